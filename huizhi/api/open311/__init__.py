"""Open311 GeoReport v2 (DESIGN §10, §13), with FixMyStreet's servicerequestupdates extension:
discovery, services, service definitions, requests, updates and tokens, each as `.xml` or `.json`
by the URL's extension, errors in the spec's shape.

- render: the two formats and the error list;
- services: our subclasses as services, their questions as attributes;
- reading: who reads what (public without a key, the key's place with one), items and updates;
- filing: where a filed request is, its title and answers;
- views: the endpoints.
"""

from huizhi.api.open311.filing import match_address
from huizhi.api.open311.views import (
    DiscoveryView,
    RequestsView,
    RequestView,
    ServiceDefinitionView,
    ServiceListView,
    TokenView,
    UpdatesView,
    not_found,
)

__all__ = [
    "DiscoveryView",
    "RequestView",
    "RequestsView",
    "ServiceDefinitionView",
    "ServiceListView",
    "TokenView",
    "UpdatesView",
    "match_address",
    "not_found",
]
