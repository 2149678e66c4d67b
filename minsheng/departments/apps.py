from django.apps import AppConfig


class DepartmentsConfig(AppConfig):
    name = "minsheng.departments"
    label = "departments"
    verbose_name = "部门数据比对"
