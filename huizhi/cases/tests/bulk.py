"""Many cases at once, for tests of lists and indexes: copies of a demo case, inserted in one
bulk_create (the services' path is what the other tests exercise; here only the rows' shapes
matter)."""

from datetime import timedelta

from django.utils import timezone

from huizhi.cases.models import Case
from huizhi.cases.search import title_terms
from huizhi.cases.states import OPEN_STATUSES, Status


def bulk_cases(
    n: int,
    *,
    like: Case | None = None,
    status: str | None = None,
    closed_share: float = 0.0,
    start=None,
    step=timedelta(minutes=7),
    **fields,
) -> list[Case]:
    """`n` copies of `like` (the earliest demo case), created `step` apart going back from `start`
    (now); a `closed_share` of them closed, the rest in `status` (else like's)."""
    like = like or Case.objects.order_by("pk").first()
    start = start or timezone.now()
    open_status = status or (like.status if like.status in OPEN_STATUSES else Status.ACCEPTED)
    rows = []
    for i in range(n):
        # Spread evenly: row i is closed when the running share crosses a whole number.
        closed = int((i + 1) * closed_share) > int(i * closed_share)
        title = f"{like.title} #{i}"
        row = Case(
            title=title,
            title_terms=title_terms(title),  # what the report service stores beside a title
            description=like.description,
            source=like.source,
            category_id=like.category_id,
            status=Status.CLOSED if closed else open_status,
            level=like.level,
            place_id=like.place_id,
            place_code=like.place_code,
            grid_id=like.grid_id,
            community_id=like.community_id,
            handling_unit_id=like.handling_unit_id,
            accept_due_at=like.accept_due_at,
            handle_due_at=like.handle_due_at,
            created_at=start - i * step,
        )
        for name, value in fields.items():
            setattr(row, name, value)
        if "title" in fields:
            row.title_terms = title_terms(row.title)  # the terms follow the title, as the services keep them
        rows.append(row)
    return Case.objects.bulk_create(rows, batch_size=500)
