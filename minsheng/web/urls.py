from django.urls import path

from minsheng.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("scope/", views.scope_set, name="scope_set"),
    path("regions/", views.region_browse, name="region_browse"),
    path("regions/<str:code>/", views.region_browse, name="region_detail"),
]
