from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "minsheng.monitoring"
    label = "monitoring"
    verbose_name = "防止返贫监测"
