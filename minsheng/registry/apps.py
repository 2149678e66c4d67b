from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "minsheng.registry"
    label = "registry"
    verbose_name = "农户台账"
