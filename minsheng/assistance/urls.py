from django.urls import path

from minsheng.assistance import views

app_name = "assistance"

urlpatterns = [
    path("", views.due_view, name="due"),
    path("households/<int:household_id>/", views.household_plan_view, name="household_plan"),
    path("households/<int:household_id>/plan/", views.plan_create_view, name="plan_create"),
    path("households/<int:household_id>/follow-up/", views.follow_up_view, name="follow_up"),
    path("plans/<int:pk>/responsible/", views.plan_update_view, name="plan_update"),
    path("plans/<int:pk>/close/", views.plan_close_view, name="plan_close"),
    path("plans/<int:pk>/adopt/", views.adopt_view, name="adopt"),
    path("plans/<int:pk>/measures/new/", views.measure_add_view, name="measure_add"),
    path("measures/<int:pk>/", views.measure_edit_view, name="measure_edit"),
    path("measures/<int:pk>/evidence/", views.evidence_upload_view, name="evidence_upload"),
    path("evidence/<int:pk>/", views.evidence_download_view, name="evidence_download"),
]
