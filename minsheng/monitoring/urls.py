from django.urls import path

from minsheng.monitoring import case_views, views

app_name = "monitoring"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("runs/new/", views.run_start, name="run_start"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("signals/", views.signal_list, name="signal_list"),
    path("signals/export.xlsx", views.signal_export, name="signal_export"),
    path("simulations/", views.simulation_list, name="simulation_list"),
    path("simulations/<int:pk>/", views.simulation_detail, name="simulation_detail"),
    # Monitoring cases (监测帮扶)
    path("cases/", case_views.case_list, name="case_list"),
    path("cases/export.xlsx", case_views.case_export, name="case_export"),
    path("cases/clocks/", case_views.clocks, name="case_clocks"),
    path("cases/home-panel/", case_views.home_panel, name="case_home_panel"),
    path("cases/<int:pk>/", case_views.case_detail, name="case_detail"),
    path("cases/<int:pk>/transition/", case_views.case_transition, name="case_transition"),
    path("cases/<int:pk>/visit/", case_views.case_visit, name="case_visit"),
    path("cases/<int:pk>/meeting/", case_views.case_meeting, name="case_meeting"),
    path("cases/<int:pk>/objection/", case_views.case_objection, name="case_objection"),
    path("cases/<int:pk>/green-channel/", case_views.case_green_channel,
         name="case_green_channel"),
    path("cases/objections/<int:pk>/resolve/", case_views.objection_resolve,
         name="objection_resolve"),
    path("cases/attachments/<int:pk>/", case_views.attachment_download,
         name="attachment_download"),
    path("cases/notice/<str:village>.pdf", case_views.notice_pdf, name="notice_pdf"),
    path("leads/", case_views.lead_list, name="lead_list"),
    path("leads/<int:pk>/", case_views.lead_detail, name="lead_detail"),
    path("leads/<int:pk>/merge/", case_views.lead_merge, name="lead_merge"),
    path("leads/<int:pk>/dismiss/", case_views.lead_dismiss, name="lead_dismiss"),
    path("leads/report/", case_views.visit_report_find, name="visit_report_find"),
    path("leads/report/<int:household>/", case_views.visit_report, name="visit_report"),
    path("leads/from-signals/", case_views.signals_to_leads, name="signals_to_leads"),
    path("leads/from-department/<int:pk>/", case_views.department_lead_to_lead,
         name="department_lead_to_lead"),
    # Public, no login (农户自主申报)
    path("apply/", case_views.declaration_form, name="declaration_form"),
    path("apply/status/", case_views.declaration_status, name="declaration_status"),
]
