"""The demo street: Langya Street (琅琊街道) as the source article describes it (DESIGN §12).

Each part of the product adds its own demo module; `load_demo()` runs them in order inside one
transaction. People are fictional; geometry is synthetic, placed around 118.33 E, 32.31 N.
"""

from django.db import transaction

from huizhi.site.demo import (
    callbacks,
    care,
    cases,
    fieldwork,
    meetings,
    network,
    notices,
    people,
    places,
    projects,
    registry,
    wall,
)

DEMO_PASSWORD = people.DEMO_PASSWORD


def demo_is_loaded() -> bool:
    from huizhi.places.models import Place

    return Place.objects.exists()


@transaction.atomic
def load_demo() -> None:
    places.load()
    people.load()
    registry.load()
    cases.load()
    wall.load()
    care.load()
    meetings.load()
    projects.load()
    network.load()
    notices.load()
    fieldwork.load()
    callbacks.load()


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, role description, scope) for each demo login, for the README and `make run`."""
    return people.logins() + care.logins() + meetings.logins() + network.logins()
