from django.core.management.base import BaseCommand

from huizhi.api.webhooks import retry_due_webhooks


class Command(BaseCommand):
    help = "Send again the webhook deliveries whose backoff has passed. Run it every minute."

    def handle(self, *args, **options):
        self.stdout.write(f"{retry_due_webhooks()} deliveries retried.")
