from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from huizhi.api import views
from huizhi.stats.api import StatsView

router = DefaultRouter()
router.register("categories", views.CategoryViewSet, basename="category")
router.register("places", views.PlaceViewSet, basename="place")
router.register("cases", views.CaseViewSet, basename="case")

app_name = "api"

urlpatterns = [
    path("schema/", views.SchemaView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file, so the page keeps the
    # no-inline-script policy; its assets come from drf-spectacular-sidecar, not a CDN.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
        name="docs",
    ),
    path("stats/", StatsView.as_view(), name="stats"),
    path("", include(router.urls)),
]
