"""Notices of meetings go to the same inbox and text-message interface as the case loop's: an inbox
line for each person, a text to those with a mobile, sent only once the change is committed."""

from huizhi.cases import notifications


def notify(users, text: str) -> int:
    """An inbox line for each of `users` (no one twice), and a text message after commit."""
    users = [user for user in users if user is not None]
    return notifications.notify([user.pk for user in users], text, texted=users)
