"""Filing a report page once, however often the phone sends it (issue 18's offline queue).

The page gives each report a random key when the form opens; the queue on the phone keeps it with
the report. The key is stored with the case in the case's own transaction, so either both exist or
neither does: a second send of the same key finds the case and files nothing.
"""

import re
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from huizhi.cases.errors import CaseActionError
from huizhi.cases.models import Case, ReportSubmission

KEY_SHAPE = re.compile(r"^[A-Za-z0-9-]{16,64}$")


def case_report_once(*, actor, key: str, report: Callable[[], Case]) -> tuple[Case, bool]:
    """(the case, whether this call filed it): `report()` runs only if `actor` has filed nothing
    under `key`. A key of the wrong shape is refused (it is a page's own field, never typed)."""
    if not KEY_SHAPE.match(key or ""):
        raise CaseActionError(_("The form was damaged in sending; open it again."), code="bad_input")
    earlier = _case_filed_under(actor, key)
    if earlier is not None:
        return earlier, False
    try:
        with transaction.atomic():
            case = report()
            ReportSubmission.objects.create(user=actor, key=key, case=case)
    except IntegrityError:
        # The same report arrived twice at once: the other send filed it; this one's case rolled back.
        earlier = _case_filed_under(actor, key)
        if earlier is None:
            raise
        return earlier, False
    return case, True


def _case_filed_under(actor, key: str) -> Case | None:
    row = ReportSubmission.objects.select_related("case").filter(user=actor, key=key).first()
    return row.case if row else None
