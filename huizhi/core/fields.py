from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact

from huizhi.core import crypto


class _EmptyOrValue(Exact):
    """`field=""` (is it empty?) is the one comparison ciphertext can answer."""

    def get_prep_lookup(self):
        if self.rhs not in ("", None):
            raise FieldError(_refusal(self.lhs.output_field))
        return super().get_prep_lookup()


def _refusal(field) -> str:
    return (
        f"{field.model.__name__}.{field.name} is encrypted: the database holds no plain value to compare, "
        "so filter on its keyed lookup hash (huizhi.core.crypto.lookup_hash) instead."
    )


class EncryptedTextField(models.TextField):
    """Stores a string encrypted (see huizhi.core.crypto); reads give the plain string.

    The database never holds the plain value, so it cannot be filtered on: store a
    `crypto.lookup_hash` beside it for lookups. A filter on the value itself is an error (it used
    to find nothing, silently); only "is it empty" (`=""`, `__isnull`) can be asked.
    """

    def get_lookup(self, lookup_name):
        if lookup_name == "exact":
            return _EmptyOrValue
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        raise FieldError(_refusal(self))

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value)
