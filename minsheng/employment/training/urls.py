from django.urls import path

from minsheng.employment.training import views

app_name = "training"

urlpatterns = [
    path("", views.course_list_view, name="courses"),
    path("courses/new/", views.course_form_view, name="course_create"),
    path("courses/<int:pk>/", views.course_detail_view, name="course_detail"),
    path("courses/<int:pk>/edit/", views.course_form_view, name="course_edit"),
    path("courses/<int:pk>/<str:action>/", views.course_action_view, name="course_action"),
    path("demand/", views.demand_view, name="demand"),
    path("outcomes/", views.outcomes_view, name="outcomes"),
    path("outcomes.xlsx", views.outcomes_export_view, name="outcomes_export"),
]
