from django.urls import path

from minsheng.registry import import_views, views

app_name = "registry"

urlpatterns = [
    path("", views.household_list_view, name="household_list"),
    path("new/", views.household_create_view, name="household_create"),
    path("<int:pk>/", views.household_detail_view, name="household_detail"),
    path("<int:pk>/reveal/", views.household_reveal_view, name="household_reveal"),
    path("<int:pk>/edit/", views.household_edit_view, name="household_edit"),
    path("<int:pk>/members/new/", views.member_create_view, name="member_create"),
    path("members/<int:pk>/edit/", views.member_edit_view, name="member_edit"),
    path("members/<int:pk>/archive/", views.member_archive_view, name="member_archive"),
    path("members/<int:pk>/move/", views.member_move_view, name="member_move"),
    path("<int:pk>/archive/", views.household_archive_view, name="household_archive"),
    path("<int:pk>/ledger/", views.ledger_edit_view, name="ledger_edit"),
    path("import/", import_views.import_start, name="import_start"),
    path("import/template.xlsx", import_views.import_template, name="import_template"),
    path("import/<int:pk>/", import_views.import_detail, name="import_detail"),
    path("import/<int:pk>/apply/", import_views.import_apply, name="import_apply"),
    path("import/<int:pk>/errors.xlsx", import_views.import_errors, name="import_errors"),
    path("export.xlsx", import_views.export_view, name="export"),
]
