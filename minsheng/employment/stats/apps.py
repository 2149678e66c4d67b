from django.apps import AppConfig


class EmploymentStatsConfig(AppConfig):
    name = "minsheng.employment.stats"
    label = "employment_stats"
    verbose_name = "就业帮扶统计"

    def ready(self) -> None:
        # Registers the 务工规模 target importer with core.imports.
        from minsheng.employment.stats import excel  # noqa: F401
