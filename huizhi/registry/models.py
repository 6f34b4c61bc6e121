from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huizhi.core.fields import EncryptedTextField
from huizhi.core.mobile import mask_id_number, mask_mobile


class Household(models.Model):
    """A household (户): the registry record of a household unit (a Place of kind unit) in a building."""

    class Residence(models.TextChoices):
        REGISTERED_LIVING = "registered_living", _("registered here and living here")
        REGISTERED_AWAY = "registered_away", _("registered here, living elsewhere")
        LIVING_UNREGISTERED = "living_unregistered", _("living here, registered elsewhere")

    unit = models.OneToOneField(
        "places.Place", verbose_name=_("household unit"), on_delete=models.PROTECT, related_name="household"
    )
    # The unit's code, for scope filters without a join (a descendant of its building and grid).
    place_code = models.CharField(_("place code"), max_length=32, editable=False, db_index=True)
    residence = models.CharField(
        _("residence"), max_length=24, choices=Residence.choices, default=Residence.REGISTERED_LIVING
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["place_code"]

    def __str__(self) -> str:
        return str(self.unit)


class Resident(models.Model):
    """A person in the registry. ID number and mobile are encrypted; lookups use keyed hashes."""

    class Gender(models.TextChoices):
        MALE = "M", _("male")
        FEMALE = "F", _("female")

    class Relationship(models.TextChoices):
        HEAD = "head", _("household head")
        SPOUSE = "spouse", _("spouse")
        CHILD = "child", _("child")
        PARENT = "parent", _("parent")
        GRANDCHILD = "grandchild", _("grandchild")
        OTHER = "other", _("other")

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="residents"
    )
    place_code = models.CharField(_("place code"), max_length=32, editable=False)
    name = models.CharField(_("full name"), max_length=40)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"))
    id_number = EncryptedTextField(_("ID number"))
    id_hash = models.CharField(_("ID number lookup hash"), max_length=64, unique=True, editable=False)
    mobile = EncryptedTextField(_("mobile"), blank=True, default="")
    mobile_hash = models.CharField(
        _("mobile lookup hash"), max_length=64, blank=True, db_index=True, editable=False
    )
    relationship = models.CharField(
        _("relationship to the head"), max_length=12, choices=Relationship.choices, default=Relationship.OTHER
    )
    lives_alone = models.BooleanField(_("living alone"), default=False)
    empty_nest = models.BooleanField(_("empty-nest"), default=False)
    disabled = models.BooleanField(_("disabled"), default=False)
    low_income = models.BooleanField(_("low-income"), default=False)
    party_member = models.BooleanField(_("party member"), default=False)
    veteran = models.BooleanField(_("veteran"), default=False)
    volunteer = models.BooleanField(_("volunteer"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    # The resident's own sign-in, once staff have confirmed their residency claim.
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resident",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["place_code", "id"]
        indexes = [
            models.Index(fields=["place_code", "birth_date"]),
            models.Index(fields=["birth_date"]),
            # The resident list's order over the active: a deep page (page 1,000 of a community of
            # 100,000) walks this index instead of sorting the community's rows (102 → a few ms).
            models.Index(
                fields=["place_code", "id"], condition=Q(is_active=True), name="resident_active_order"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(gender__in=["M", "F"]), name="resident_gender_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile) if self.mobile else ""


class AccessLog(models.Model):
    """Every reveal of personal data and every export: who, what, when, why and from where."""

    class Action(models.TextChoices):
        REVEAL = "reveal", _("revealed")
        EXPORT = "export", _("exported")
        EXPORT_MASKED = "export_masked", _("exported masked")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    field = models.CharField(_("data"), max_length=32, blank=True)
    # Where it happened (the resident's unit, or the exporter's scope), so each street reviews its own.
    place_code = models.CharField(_("place code"), max_length=32, blank=True, db_index=True, editable=False)
    count = models.PositiveIntegerField(_("records"), default=1)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data access log")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} {self.action} {self.field}"


class ImportJob(models.Model):
    """One upload of a residents sheet and what became of it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="+"
    )
    # The place the importer's community-staff roles cover (their community, or the common ancestor
    # of several): staff over it see the job too; staff of another community never do.
    place_code = models.CharField(_("place code"), max_length=32, blank=True, editable=False, db_index=True)
    file_name = models.CharField(_("file"), max_length=200)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    # The uploaded sheet, encrypted (it holds ID numbers), kept in the database rather than on a
    # disk because the task worker may run on another machine; dropped once the job has finished.
    upload = models.BinaryField(_("uploaded sheet"), null=True, blank=True, editable=False)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed = models.PositiveIntegerField(_("rows checked"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("not imported"), default=0)
    message = models.TextField(_("message"), blank=True)
    rejected_file = models.BinaryField(_("rejected rows (.xlsx)"), null=True, blank=True, editable=False)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # The running import's heartbeat: it pushes this ahead as it goes. A job still running past it
    # was killed (kill -9, a deploy restart) and is marked failed when next read.
    alive_until = models.DateTimeField(_("alive until"), null=True, blank=True)

    class Meta:
        verbose_name = _("registry import")
        verbose_name_plural = _("registry imports")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return self.file_name

    @property
    def phase(self) -> str:
        """What the progress line says: queued, reading, checking, saving, done or failed. Saving
        happens in one transaction that no other connection sees into, so it has no count."""
        if self.status != self.Status.RUNNING:
            return self.status
        if not self.total_rows:
            return "reading"
        return "checking" if self.processed < self.total_rows else "saving"

    @property
    def percent(self) -> int | None:
        """How far the rows have been checked, or None when there is no count to show."""
        if self.phase != "checking":
            return None
        return min(100, 100 * self.processed // self.total_rows)


class ResidencyClaim(models.Model):
    """A signed-in resident says "I live here"; community staff confirm it against the registry.

    The resident names a room and their name only: nothing of the registry is shown to them.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for confirmation")
        CONFIRMED = "confirmed", _("confirmed")
        REJECTED = "rejected", _("rejected")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="residency_claims",
    )
    unit = models.ForeignKey(
        "places.Place", verbose_name=_("room"), on_delete=models.PROTECT, related_name="+"
    )
    place_code = models.CharField(_("place code"), max_length=32, editable=False, db_index=True)
    name_given = models.CharField(_("name given"), max_length=40)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("residency claim")
        verbose_name_plural = _("residency claims")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "confirmed", "rejected"]), name="residency_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name_given} · {self.unit}"
