from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "huizhi.api"
    label = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        from huizhi.api import schema  # noqa: F401 - registers the API key's OpenAPI scheme
        from huizhi.api.keys import active_keys
        from huizhi.api.models import ApiKey, WebhookSubscription
        from huizhi.api.webhooks import active_subscriptions, freeze_deliveries, wants_deliveries
        from huizhi.cases import outbound

        # Webhooks hear of case events through the cases app's outbound list (cases imports no api).
        outbound.subscribe(freeze_deliveries, when=wants_deliveries)
        active_subscriptions.follows(WebhookSubscription)
        active_keys.follows(ApiKey)
