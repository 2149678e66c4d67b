from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "minsheng.employment.training"
    label = "training"
    verbose_name = "职业技能培训"
