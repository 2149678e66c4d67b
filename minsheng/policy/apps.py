from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "minsheng.policy"
    label = "policy"
    verbose_name = "政策参数与规则"
