from django.urls import path

from minsheng.employment.publicposts import views

app_name = "publicposts"

urlpatterns = [
    path("", views.post_list_view, name="posts"),
    path("<int:pk>/", views.post_detail_view, name="post_detail"),
    path("<int:pk>/edit/", views.post_edit_view, name="post_edit"),
    path("appointments/<int:pk>/exit/", views.appointment_exit_view, name="appointment_exit"),
    path("attendance/", views.attendance_view, name="attendance"),
    path("payroll/", views.payroll_view, name="payroll"),
    path("payroll.xlsx", views.payroll_export_view, name="payroll_export"),
]
