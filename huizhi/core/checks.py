"""The repository's development keys are public: a production server refuses to start with one.

`make run` and the tests run on them (a laptop needs no configuration); the WSGI entry point,
which every production server loads, refuses them unless HUIZHI_DEBUG is on, and
`manage.py check --deploy` reports each as an error.
"""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

HOW_TO_SET = {
    "HUIZHI_SECRET_KEY": 'python -c "import secrets; print(secrets.token_urlsafe(50))"',
    "HUIZHI_DATA_KEYS": 'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"',
    "HUIZHI_LOOKUP_KEY": 'python -c "import secrets; print(secrets.token_urlsafe(32))"',
}


def development_keys_in_use() -> list[str]:
    """The variables still holding the repository's development value."""
    in_use = {
        "HUIZHI_SECRET_KEY": settings.SECRET_KEY,
        "HUIZHI_DATA_KEYS": settings.HUIZHI_DATA_KEYS,
        "HUIZHI_LOOKUP_KEY": settings.HUIZHI_LOOKUP_KEY,
    }
    names = []
    for name, value in in_use.items():
        default = settings.DEVELOPMENT_KEYS[name]
        if (set(value) & set(default)) if isinstance(default, list) else value == default:
            names.append(name)
    return names


def _message(name: str) -> str:
    return f"{name} is the repository's development key; set it (e.g. from: {HOW_TO_SET[name]})."


@checks.register(checks.Tags.security, deploy=True)
def development_keys_check(app_configs, **kwargs):
    return [checks.Error(_message(name), id="huizhi.E001") for name in development_keys_in_use()]


def refuse_development_keys() -> None:
    """Stop a production server (debug off) that would run on a public key."""
    if settings.DEBUG:
        return
    if names := development_keys_in_use():
        raise ImproperlyConfigured(" ".join(_message(name) for name in names))
