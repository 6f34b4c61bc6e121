from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from huizhi.api import views

router = DefaultRouter()
# Each route answers with and without its trailing slash. Without this, POST /api/v1/cases is a 301
# to the slashed address, which clients follow as a GET and so drop the body: the filing is lost.
# ("/?" is a regular expression; the OpenAPI document still names one path per route, with "/".)
router.trailing_slash = "/?"
router.register("categories", views.CategoryViewSet, basename="category")
router.register("places", views.PlaceViewSet, basename="place")
router.register("cases", views.CaseViewSet, basename="case")

# /api/v1/stats/ joins these routes in config/urls.py: the stats app stands above this one.
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
    path("", include(router.urls)),
]
