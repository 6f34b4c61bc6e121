"""Text messages go out through one interface; the backend is chosen by HUIZHI_SMS_BACKEND.

The default writes to the log, so a laptop needs no gateway. A real gateway is a class with the
same `send` method.
"""

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from huizhi.core.mobile import mask_mobile

logger = logging.getLogger("huizhi.sms")


class SmsBackend(Protocol):
    def send(self, mobile: str, text: str) -> None: ...


class ConsoleSmsBackend:
    def send(self, mobile: str, text: str) -> None:
        # The number masked: logs are kept and shipped, and must hold no plain mobile.
        logger.info("SMS to %s: %s", mask_mobile(mobile), text)


class MemorySmsBackend:
    """Keeps what was sent in `outbox`, for tests and demos."""

    outbox: list[tuple[str, str]] = []

    def send(self, mobile: str, text: str) -> None:
        MemorySmsBackend.outbox.append((mobile, text))


def sms_backend() -> SmsBackend:
    return import_string(settings.HUIZHI_SMS_BACKEND)()
