from django.apps import AppConfig


class DepartmentsConfig(AppConfig):
    name = "minsheng.departments"
    label = "departments"
    verbose_name = "部门数据比对"

    def ready(self) -> None:
        # Registers the department-data importer with the staged import pipeline (core.imports).
        from minsheng.departments import excel  # noqa: F401
