from django.urls import path

from minsheng.registry import import_views, views

app_name = "registry"

urlpatterns = [
    path("", views.household_list_view, name="household_list"),
    path("<int:pk>/", views.household_detail_view, name="household_detail"),
    path("import/", import_views.import_start, name="import_start"),
    path("import/template.xlsx", import_views.import_template, name="import_template"),
    path("import/<int:pk>/", import_views.import_detail, name="import_detail"),
    path("import/<int:pk>/apply/", import_views.import_apply, name="import_apply"),
    path("import/<int:pk>/errors.xlsx", import_views.import_errors, name="import_errors"),
    path("export.xlsx", import_views.export_view, name="export"),
]
