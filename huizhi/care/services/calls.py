"""One tap to call a watched elder or their family (issue 19). The registry records no family or
emergency contact, so the family are the elder's household's other adults with a mobile. Numbers are
personal data: they leave their encryption only here, after the reveal is written to the access log
(huizhi.core.reveals), and only for those who may see the watch entry."""

from django.utils.translation import gettext as _

from huizhi.care.permissions import watched_visible_to
from huizhi.care.selectors import family_contacts_for
from huizhi.care.services.common import require
from huizhi.core.reveals import Reveal, log_reveal
from huizhi.core.text import in_site_language


def watch_call_number(
    *, actor, watched_id: int, person_id: int, ip_address: str | None = None, user_agent: str = ""
) -> str:
    """The full number of the elder or one of their family to call; refused (the same way whether
    the entry exists or not) unless the actor may see the watch entry; logged before it is returned."""
    watched = watched_visible_to(actor).select_related("resident").filter(pk=watched_id).first()
    require(watched is not None, _("No such watched resident."), "not_found")
    is_elder = person_id == watched.resident_id
    if is_elder:
        person = watched.resident
    else:
        family = family_contacts_for([watched])[watched.pk]
        person = next((p for p in family if p.pk == person_id), None)
    require(person is not None and bool(person.mobile), _("There is no number to call."), "not_found")
    with in_site_language():  # the access log is read by the street's reviewers
        who = _("the watched elder") if is_elder else _("a family member of the watched elder")
        reason = _("call %(who)s (watch entry %(id)d)") % {"who": who, "id": watched.pk}
    log_reveal(
        Reveal(
            user=actor,
            field="mobile",
            place_code=person.place_code,
            reason=reason[:200],
            ip_address=ip_address,
            user_agent=user_agent,
            resident_id=person.pk,
        )
    )
    return person.mobile
