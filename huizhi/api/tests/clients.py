"""API clients as integrators hold them: a system's key over a place, a person's token."""

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from huizhi.api.keys import api_key_create
from huizhi.cases.tests import factories as f


def key_client(code: str, name: str = "12345热线") -> APIClient:
    """A client sending a new key for the place `code` in X-Api-Key; the raw key is `.raw_key`."""
    _key, raw = api_key_create(name=name, place=f.place(code))
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw)
    client.raw_key = raw
    return client


def token_client(user) -> APIClient:
    """A client holding `user`'s token (a user or a demo username), as the phone pages do."""
    user = f.user(user) if isinstance(user, str) else user
    token, _created = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client
