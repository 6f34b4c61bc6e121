from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from huizhi.api.keys import api_key_create, api_key_revoke
from huizhi.api.models import ApiKey
from huizhi.places.models import Place


class Command(BaseCommand):
    help = "Create, list or revoke API keys of integrating systems."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("create", help="create a key (printed once)")
        create.add_argument("name", help="the system, e.g. 12345热线")
        create.add_argument("place", help="code of the street or community the key is scoped to")
        revoke = sub.add_parser("revoke", help="revoke a key by its prefix")
        revoke.add_argument("prefix")
        sub.add_parser("list", help="list keys")

    def handle(self, *args, verb: str, **options):
        if verb == "create":
            place = Place.objects.filter(code=options["place"]).first()
            if place is None:
                raise CommandError(f"No place has code {options['place']}.")
            try:
                key, raw = api_key_create(name=options["name"], place=place)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
            self.stdout.write(f"API key for {key.name} over {place.name} (shown once, keep it safe):\n{raw}")
        elif verb == "revoke":
            try:
                key = api_key_revoke(prefix=options["prefix"])
            except ApiKey.DoesNotExist as exc:
                raise CommandError(f"No key has prefix {options['prefix']}.") from exc
            self.stdout.write(f"Revoked {key}.")
        else:
            for key in ApiKey.objects.select_related("place"):
                state = "revoked" if key.revoked_at else "active"
                self.stdout.write(f"{key.prefix}  {state:<8} {key.name} · {key.place.name}")
