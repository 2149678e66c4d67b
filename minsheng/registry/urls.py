from django.urls import path

from minsheng.registry import views

app_name = "registry"

urlpatterns = [
    path("", views.household_list_view, name="household_list"),
    path("<int:pk>/", views.household_detail_view, name="household_detail"),
]
