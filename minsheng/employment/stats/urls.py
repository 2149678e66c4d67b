from django.urls import path

from minsheng.employment.stats import views

app_name = "employment_stats"

urlpatterns = [
    path("", views.stats_view, name="stats"),
    path("export.xlsx", views.stats_export_view, name="export"),
    path("targets/", views.target_list_view, name="targets"),
    path("targets/new/", views.target_create_view, name="target_create"),
    path("targets/<int:pk>/edit/", views.target_edit_view, name="target_edit"),
    path("targets/<int:pk>/delete/", views.target_delete_view, name="target_delete"),
    path("targets/import/", views.import_start, name="import_start"),
    path("targets/import/template.xlsx", views.import_template, name="import_template"),
    path("targets/imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("targets/imports/<int:pk>/apply/", views.import_apply, name="import_apply"),
    path("targets/imports/<int:pk>/errors.xlsx", views.import_errors, name="import_errors"),
]
