"""Writes to the registry: imports, households, and every access to personal data."""

from huizhi.registry.services.households import household_for_unit, resident_create
from huizhi.registry.services.importing import registry_import
from huizhi.registry.services.privacy import (
    PrivacyError,
    personal_data_reencrypt,
    resident_reveal,
    residents_export,
)

__all__ = [
    "PrivacyError",
    "household_for_unit",
    "personal_data_reencrypt",
    "registry_import",
    "resident_create",
    "resident_reveal",
    "residents_export",
]
