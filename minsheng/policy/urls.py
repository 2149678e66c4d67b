from django.urls import path

from minsheng.policy import views

app_name = "policy"

urlpatterns = [
    path("parameters/", views.parameter_list_view, name="parameter_list"),
    path("parameters/<str:name>/", views.parameter_detail_view, name="parameter_detail"),
    path("parameters/<str:name>/propose/", views.proposal_create_view, name="proposal_create"),
    path("proposals/", views.proposal_list_view, name="proposal_list"),
    path("proposals/<int:pk>/", views.proposal_detail_view, name="proposal_detail"),
    path("proposals/<int:pk>/approve/", views.proposal_approve_view, name="proposal_approve"),
    path("proposals/<int:pk>/reject/", views.proposal_reject_view, name="proposal_reject"),
    path("proposals/<int:pk>/withdraw/", views.proposal_withdraw_view, name="proposal_withdraw"),
]
