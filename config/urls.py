from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("huizhi.core.urls")),
    path("accounts/", include("huizhi.accounts.urls")),
    path("", include("huizhi.places.urls")),
    path("", include("huizhi.cases.urls")),
    path("", include("huizhi.registry.urls")),
    path("", include("huizhi.wall.urls")),
    path("", include("huizhi.care.urls")),
    path("", include("huizhi.stats.urls")),
    path("", include("huizhi.meetings.urls")),
    path("api/v1/", include("huizhi.api.urls")),
    path("open311/v2/", include("huizhi.api.open311_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
# Under /api/ the API's JSON error shape, elsewhere the site's pages.
handler400 = "huizhi.api.errors.bad_request"
handler404 = "huizhi.api.errors.not_found"
handler500 = "huizhi.core.errorpages.server_error_in_shape"
