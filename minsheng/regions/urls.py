from django.urls import path

from minsheng.regions import views

app_name = "regions"

urlpatterns = [
    path("", views.account_list_view, name="account_list"),
    path("new/", views.account_create_view, name="account_create"),
    path("<int:pk>/", views.account_edit_view, name="account_edit"),
    path("<int:pk>/unlock/", views.account_unlock_view, name="account_unlock"),
]
