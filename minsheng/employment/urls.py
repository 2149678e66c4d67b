from django.urls import path

from minsheng.employment import job_views, views

app_name = "employment"

urlpatterns = [
    path("", views.ledger_view, name="ledger"),
    path("labour/<int:pk>/", views.member_view, name="member"),
    path("labour/<int:pk>/unchanged/", views.unchanged_view, name="unchanged"),
    path("labour/<int:pk>/jobs/", job_views.member_jobs_view, name="member_jobs"),
    path("jobs/", job_views.posting_list_view, name="postings"),
    path("jobs/new/", job_views.posting_create_view, name="posting_create"),
    path("jobs/<int:pk>/", job_views.posting_detail_view, name="posting_detail"),
    path("jobs/<int:pk>/edit/", job_views.posting_edit_view, name="posting_edit"),
    path("jobs/<int:pk>/<str:action>/", job_views.posting_action_view, name="posting_action"),
    path("notices/", job_views.notice_list_view, name="notices"),
    path("notices/<int:pk>/", job_views.notice_detail_view, name="notice_detail"),
    path("notices/<int:pk>/move/", job_views.notice_move_view, name="notice_move"),
    path("notices/<int:pk>/pdf/", job_views.notice_pdf_view, name="notice_pdf"),
    path("fairs/", job_views.fair_list_view, name="fairs"),
    path("fairs/new/", job_views.fair_create_view, name="fair_create"),
    path("fairs/<int:pk>/", job_views.fair_detail_view, name="fair_detail"),
    path("fairs/<int:pk>/<str:action>/", job_views.fair_action_view, name="fair_action"),
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
    path("workshops/map/", views.workshop_map_view, name="workshop_map"),
    path("workshops/<int:pk>/", views.workshop_detail_view, name="workshop_detail"),
    path("workshops/<int:pk>/edit/", views.workshop_edit_view, name="workshop_edit"),
    path("workshops/<int:pk>/<str:action>/", views.workshop_action_view, name="workshop_action"),
]
