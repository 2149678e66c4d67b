from django.urls import path

from minsheng.core import views

app_name = "core"

urlpatterns = [
    path("", views.audit_list, name="audit_list"),
    path("export/", views.audit_export_view, name="audit_export"),
]
