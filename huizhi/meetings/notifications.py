"""Notices of meetings go to the same inbox and text-message interface as the case loop's: an inbox
line for each person, a text to those with a mobile, sent only once the change is committed."""

from django.db import transaction

from huizhi.cases.models import Notification
from huizhi.core.sms import sms_backend


def notify(users, text: str) -> int:
    """An inbox line for each of `users` (no one twice), and a text message after commit."""
    text = text[:300]
    unique = {user.pk: user for user in users if user is not None}
    Notification.objects.bulk_create([Notification(user_id=pk, text=text) for pk in unique])
    mobiles = [user.mobile for user in unique.values() if user.mobile]

    def send() -> None:
        backend = sms_backend()
        for mobile in mobiles:
            backend.send(mobile, text)

    if mobiles:
        transaction.on_commit(send, robust=True)
    return len(unique)
