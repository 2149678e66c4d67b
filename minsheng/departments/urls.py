from django.urls import path

from minsheng.departments import views

app_name = "departments"

urlpatterns = [
    path("", views.upload_page, name="upload_page"),
    path("template/<str:department>.xlsx", views.template_download, name="template"),
    path("uploads/<int:pk>/", views.upload_detail, name="upload_detail"),
    path("uploads/<int:pk>/apply/", views.upload_apply, name="upload_apply"),
    path("uploads/<int:pk>/errors.xlsx", views.upload_errors, name="upload_errors"),
    path("uploads/<int:pk>/unmatched.xlsx", views.upload_unmatched, name="upload_unmatched"),
    path("leads/", views.lead_list_view, name="lead_list"),
    path("leads/<int:pk>/", views.lead_detail_view, name="lead_detail"),
    path("leads/<int:pk>/transition/", views.lead_transition_view, name="lead_transition"),
    path("feedback.xlsx", views.feedback_view, name="feedback"),
]
