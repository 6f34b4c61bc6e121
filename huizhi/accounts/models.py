from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from huizhi.accounts.roles import ROLE_SCOPES, Role
from huizhi.core.fields import EncryptedTextField


class User(AbstractUser):
    """Staff log in with a username; residents with their mainland mobile number.

    The mobile is personal data: stored encrypted, found by its keyed hash (huizhi.core.crypto).
    """

    full_name = models.CharField(_("full name"), max_length=60, blank=True)
    mobile = EncryptedTextField(_("mobile"), blank=True, default="")
    mobile_hash = models.CharField(
        _("mobile lookup hash"), max_length=64, null=True, blank=True, unique=True, editable=False
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username


class RoleAssignment(models.Model):
    """A role held over a scope: a node of the place tree, an organisation, or a self-governance group."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    place = models.ForeignKey(
        "places.Place",
        verbose_name=_("place"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="role_assignments",
    )
    organisation = models.ForeignKey(
        "places.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="role_assignments",
    )
    group = models.ForeignKey(
        "places.Group",
        verbose_name=_("self-governance group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="role_assignments",
    )

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="role_valid"),
            # Exactly one scope holder is set.
            models.CheckConstraint(
                condition=(
                    Q(place__isnull=False, organisation__isnull=True, group__isnull=True)
                    | Q(place__isnull=True, organisation__isnull=False, group__isnull=True)
                    | Q(place__isnull=True, organisation__isnull=True, group__isnull=False)
                ),
                name="role_has_one_scope",
            ),
            # One per holder: a single constraint over the nullable columns would let NULLs repeat.
            *[
                models.UniqueConstraint(
                    fields=["user", "role", holder],
                    condition=Q(**{f"{holder}__isnull": False}),
                    name=f"role_unique_per_{holder}",
                )
                for holder in ("place", "organisation", "group")
            ],
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.scope}"

    @property
    def scope(self):
        return self.place or self.organisation or self.group

    def clean(self) -> None:
        rule = ROLE_SCOPES.get(self.role)
        if rule is None:
            return  # the field's own choices validation reports the unknown role
        if getattr(self, f"{rule.holder}_id") is None:
            raise ValidationError(
                _("A %(role)s is held over a %(holder)s."),
                params={
                    "role": self.get_role_display(),
                    "holder": RoleAssignment._meta.get_field(rule.holder).verbose_name,
                },
            )
        others = [h for h in ("place", "organisation", "group") if h != rule.holder]
        if any(getattr(self, f"{h}_id") is not None for h in others):
            raise ValidationError(_("A role is held over one scope only."))
        if rule.place_kinds and self.place.kind not in rule.place_kinds:
            raise ValidationError(
                _("A %(role)s cannot be held over a %(kind)s."),
                params={"role": self.get_role_display(), "kind": self.place.kind_label},
            )


class LoginCode(models.Model):
    """A one-time sign-in code sent by text message. Only its keyed hash is kept."""

    mobile_hash = models.CharField(_("mobile lookup hash"), max_length=64, db_index=True)
    # The number, encrypted (huizhi.core.crypto), only while the code may still be used: a first
    # sign-in creates the account with it, so the browser's session need hold only the hash.
    # Cleared when the code is used, superseded or expired; not an EncryptedTextField, so a row
    # left under a retired key never breaks a read (it is only opened for a live code).
    pending_mobile = models.TextField(_("mobile (encrypted, while pending)"), blank=True, default="")
    code_hash = models.CharField(_("code hash"), max_length=64)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("wrong attempts"), default=0)
    created_at = models.DateTimeField(_("sent at"), db_index=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    # Set on the wrong attempt that reaches the limit: the number is locked until then.
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in code")
        verbose_name_plural = _("sign-in codes")
        indexes = [models.Index(fields=["ip", "created_at"])]

    def __str__(self) -> str:
        return f"{self.mobile_hash[:8]}… {self.created_at:%Y-%m-%d %H:%M}"
