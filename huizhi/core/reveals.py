"""One access log for every reveal of personal data, whichever app reveals it.

The log (registry.AccessLog) belongs to the registry; the case loop, which sits beside the
registry and may not import it, reveals a reporter's or a unit's mobile for a call. It announces
the reveal here and the registry, subscribed when it starts, writes the line. With no one to write
it, the reveal is refused: a number is never shown unlogged.
"""

from dataclasses import dataclass

from huizhi.core.hooks import Subscribers

reveal_loggers = Subscribers()


@dataclass(frozen=True)
class Reveal:
    user: object
    field: str  # e.g. "mobile"
    place_code: str  # where it happened, so each street reviews its own
    reason: str
    ip_address: str | None = None
    user_agent: str = ""
    resident_id: int | None = None  # whose number, when it is a registered resident's


class RevealNotLogged(RuntimeError):
    pass


def log_reveal(reveal: Reveal) -> None:
    """Write the reveal to the access log before the value is shown; raise if nothing logs it."""
    if not reveal_loggers:
        raise RevealNotLogged("no access log is listening; the value stays hidden")
    for write in reveal_loggers:
        write(reveal)
