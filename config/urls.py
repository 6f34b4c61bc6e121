from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from huizhi.api import urls as api_urls
from huizhi.stats.api import StatsView

# The REST API is one namespace ("api") over two apps. Statistics stand above the API (they read
# its error schema), so huizhi/api/urls.py may not import them: the stats route joins the API's
# own routes here, at the same address (/api/v1/stats/) and under the same name (api:stats).
# With and without the trailing slash, as the API's own routes (huizhi/api/urls.py).
api_patterns = [*api_urls.urlpatterns, re_path(r"^stats/?$", StatsView.as_view(), name="stats")]

urlpatterns = [
    path("", include("huizhi.site.urls")),
    path("", include("huizhi.core.urls")),
    path("accounts/", include("huizhi.accounts.urls")),
    path("", include("huizhi.accounts.place_urls")),
    path("", include("huizhi.cases.urls")),
    path("", include("huizhi.intake.urls")),
    path("", include("huizhi.registry.urls")),
    path("", include("huizhi.wall.urls")),
    path("", include("huizhi.care.urls")),
    path("", include("huizhi.stats.urls")),
    path("", include("huizhi.meetings.urls")),
    path("", include("huizhi.notices.urls")),
    path("", include("huizhi.projects.urls")),
    path("", include("huizhi.network.urls")),
    path("", include("huizhi.fieldwork.urls")),
    path("api/v1/", include((api_patterns, api_urls.app_name))),
    path("open311/v2/", include("huizhi.api.open311_urls")),
    # The language switch in every page's header takes no CSRF token: a token in it would make
    # each public page its visitor's own (a cookie, a token in the HTML), so no proxy could keep
    # the public wall for its crowd (core.privatecache). The most another site can do with it is
    # switch a visitor's language, which the visitor switches back with the same button.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("admin/", admin.site.urls),
]
# Under /api/ the API's JSON error shape, elsewhere the site's pages.
handler400 = "huizhi.api.errors.bad_request"
handler404 = "huizhi.api.errors.not_found"
handler500 = "huizhi.core.errorpages.server_error_in_shape"
