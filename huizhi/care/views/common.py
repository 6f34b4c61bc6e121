from datetime import date

from django.contrib import messages
from django.shortcuts import redirect

from huizhi.care.services import CareError


def refused(request, error: CareError, to: str, *args):
    """Show the refusal's reason on the page the action came from."""
    messages.error(request, " ".join(error.messages))
    return redirect(to, *args)


def parse_day(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default
