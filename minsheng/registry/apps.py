from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "minsheng.registry"
    label = "registry"
    verbose_name = "农户台账"

    def ready(self) -> None:
        # Registers the registry importer with the staged import pipeline (core.imports).
        from minsheng.registry import excel  # noqa: F401
