"""Open311 GeoReport v2 under /open311/v2/: every resource as .xml or .json (the extension decides)."""

from django.urls import path, re_path

from huizhi.api import open311

app_name = "open311"

# A trailing slash after the extension is taken too ("requests.json/"), as the REST routes take
# both: a client that adds one must not be answered with a 404 that loses what it filed.
FMT = r"\.(?P<fmt>xml|json)/?$"

urlpatterns = [
    # The spec suggests offering discovery at the root too.
    path("", open311.DiscoveryView.as_view(), name="root"),
    re_path(rf"^discovery{FMT}", open311.DiscoveryView.as_view(), name="discovery"),
    re_path(rf"^services{FMT}", open311.ServiceListView.as_view(), name="services"),
    re_path(rf"^services/(?P<code>[^/]+){FMT}", open311.ServiceDefinitionView.as_view(), name="service"),
    re_path(rf"^requests{FMT}", open311.RequestsView.as_view(), name="requests"),
    re_path(rf"^requests/(?P<pk>[^/]+){FMT}", open311.RequestView.as_view(), name="request"),
    # FixMyStreet's extension: changes of state since a time.
    re_path(rf"^servicerequestupdates{FMT}", open311.UpdatesView.as_view(), name="updates"),
    re_path(rf"^tokens/(?P<token>[^/]+){FMT}", open311.TokenView.as_view(), name="token"),
    re_path(r"^(?P<path>.*)$", open311.not_found),
]
