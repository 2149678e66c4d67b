from django.urls import path

from minsheng.employment import views

app_name = "employment"

urlpatterns = [
    path("", views.ledger_view, name="ledger"),
    path("labour/<int:pk>/", views.member_view, name="member"),
    path("labour/<int:pk>/unchanged/", views.unchanged_view, name="unchanged"),
    path("coverage/", views.coverage_view, name="coverage"),
    path("coverage.xlsx", views.coverage_export_view, name="coverage_export"),
    path("import/<str:kind>/", views.import_start, name="import_start"),
    path("import/<str:kind>/template.xlsx", views.import_template, name="import_template"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/apply/", views.import_apply, name="import_apply"),
    path("imports/<int:pk>/errors.xlsx", views.import_errors, name="import_errors"),
    path("enterprises/", views.enterprise_list_view, name="enterprises"),
    path("enterprises/new/", views.enterprise_create_view, name="enterprise_create"),
    path("enterprises/<int:pk>/", views.enterprise_detail_view, name="enterprise_detail"),
    path("enterprises/<int:pk>/edit/", views.enterprise_edit_view, name="enterprise_edit"),
    path("workshops/", views.workshop_list_view, name="workshops"),
    path("workshops/new/", views.workshop_create_view, name="workshop_create"),
    path("workshops/<int:pk>/", views.workshop_detail_view, name="workshop_detail"),
    path("workshops/<int:pk>/edit/", views.workshop_edit_view, name="workshop_edit"),
    path("workshops/<int:pk>/<str:action>/", views.workshop_action_view, name="workshop_action"),
]
