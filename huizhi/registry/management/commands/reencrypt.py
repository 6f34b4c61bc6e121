from django.core.management.base import BaseCommand

from huizhi.registry.services import personal_data_reencrypt


class Command(BaseCommand):
    help = (
        "Re-encrypt all personal data under the newest key in HUIZHI_DATA_KEYS. Rotate a key by putting "
        "the new key first, running this, then removing the old key."
    )

    def handle(self, *args, **options):
        count = personal_data_reencrypt()
        self.stdout.write(self.style.SUCCESS(f"{count} values re-encrypted under the newest key."))
