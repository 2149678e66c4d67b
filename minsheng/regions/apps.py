from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "minsheng.regions"
    label = "regions"
    verbose_name = "行政区划与权限范围"
