"""The wall's part of "duplicates on intake": published open wall items offered beside open cases
when a report is being typed, so its reporter can support a neighbour's item instead of filing.

Intake decides what counts as the same problem (its bigram similarity, place closeness and
recency); this module only says which wall items are candidates and how they are shown. It is
registered with `huizhi.intake.duplicates.finders` when the wall app is ready (intake may not
import the wall)."""

from collections import Counter
from datetime import datetime

from huizhi.intake.duplicates import (
    MAX_CANDIDATES,
    Duplicate,
    Where,
    accepts,
    compound_of_code,
    cosine,
    shingles,
)
from huizhi.wall.models import Post


def open_wall_items(mine: Counter, where: Where, since: datetime) -> list[Duplicate]:
    """Items on the community's public wall (published, not rejected nor held, and still open),
    published since `since`, that intake's rules call the same problem as the report's text."""
    candidates = (
        Post.objects.on_wall()
        .filter(community=where.community)
        .filter(published_at__gte=since)
        .select_related("place")
        .only(
            "id",
            "title",
            "description",
            "place_code",
            "place__name",
            "place__lon",
            "place__lat",
            "published_at",
            "supports_count",
            "case_id",
        )
        .order_by("-published_at")[:MAX_CANDIDATES]
    )
    found = []
    for post in candidates:
        # Compared at the item's public place (its compound or building), never at the point its
        # author gave: the report pages answer anyone signed in, and a distance to a private point,
        # asked from a few chosen spots, would pin a home (as the wall's own nearby list avoids).
        near = where.near(compound_of_code(post.place_code), post.place.lon, post.place.lat)
        if near is False:
            continue
        score = cosine(mine, shingles(post.title, post.description))
        if not accepts(score, near):
            continue
        found.append(
            Duplicate.offer(
                "wall",
                post,
                created_at=post.published_at,
                similarity=score,
                supports=post.supports_count,
                url_name="wall:item",
                # The wall's own support: one per resident, never one's own item, and it raises
                # the priority of the case the item became.
                support_url_name="wall:support",
                case_id=post.case_id,
            )
        )
    return found
