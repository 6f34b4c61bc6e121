from django.db import models

from huizhi.core import crypto


class EncryptedTextField(models.TextField):
    """Stores a string encrypted (see huizhi.core.crypto); reads give the plain string.

    The database never holds the plain value, so it cannot be filtered on: store a
    `crypto.lookup_hash` beside it for lookups.
    """

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value)
