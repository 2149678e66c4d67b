"""Mount each app's web urls and the API; nothing else."""

from django.urls import include, path

from minsheng.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("households/", include("minsheng.registry.urls")),
    path("monitoring/", include("minsheng.monitoring.urls")),
    path("assistance/", include("minsheng.assistance.urls")),
    path("policy/", include("minsheng.policy.urls")),
    path("departments/", include("minsheng.departments.urls")),
    path("employment/stats/", include("minsheng.employment.stats.urls")),
    path("employment/training/", include("minsheng.employment.training.urls")),
    path("employment/posts/", include("minsheng.employment.publicposts.urls")),
    path("employment/", include("minsheng.employment.urls")),
    path("accounts/", include("minsheng.regions.urls")),
    path("audit/", include("minsheng.core.urls")),
    path("", include("minsheng.web.urls")),
]

handler404 = "minsheng.web.views.not_found"
handler403 = "minsheng.web.views.forbidden"
