from django.urls import path

from minsheng.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("runs/new/", views.run_start, name="run_start"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("signals/", views.signal_list, name="signal_list"),
    path("signals/export.xlsx", views.signal_export, name="signal_export"),
    path("simulations/", views.simulation_list, name="simulation_list"),
    path("simulations/<int:pk>/", views.simulation_detail, name="simulation_detail"),
]
