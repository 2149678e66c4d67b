from django.apps import AppConfig


class EmploymentConfig(AppConfig):
    name = "minsheng.employment"
    label = "employment"
    verbose_name = "就业帮扶"

    def ready(self) -> None:
        # Registers the labour-ledger and enterprise importers with core.imports.
        from minsheng.employment import excel  # noqa: F401
