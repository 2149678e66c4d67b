from django.apps import AppConfig


class EmploymentStatsConfig(AppConfig):
    name = "minsheng.employment.stats"
    label = "employment_stats"
    verbose_name = "就业帮扶统计"
