import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from huizhi.cases.states import CategoryKind, ClockUnit
from huizhi.places.codes import subtree_q


class Category(models.Model):
    """A class (大类, 2-digit code) or subclass (小类, class code + 2 digits), as in GB/T 30428.2.

    Time limits and the closing condition are data of the subclass, editable by the street.
    """

    code = models.CharField(_("code"), max_length=4, unique=True)
    name = models.CharField(_("name"), max_length=60)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("class"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subclasses",
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=CategoryKind.choices, default=CategoryKind.EVENT
    )
    accept_limit = models.DecimalField(_("limit to accept"), max_digits=6, decimal_places=2, default=2)
    accept_unit = models.CharField(
        _("unit of the limit to accept"),
        max_length=16,
        choices=ClockUnit.choices,
        default=ClockUnit.WORKING_HOURS,
    )
    handle_limit = models.DecimalField(_("limit to handle"), max_digits=6, decimal_places=2, default=3)
    handle_unit = models.CharField(
        _("unit of the limit to handle"),
        max_length=16,
        choices=ClockUnit.choices,
        default=ClockUnit.WORKING_DAYS,
    )
    # The discipline commissioner's "stalled" tab: an open case with no timeline line for this many
    # working hours (two working days by default), whatever its deadline says.
    stall_after_hours = models.PositiveSmallIntegerField(
        _("stalled after (working hours without a step)"),
        default=16,
        help_text=_("An open case with no new step for this many working hours is shown as stalled."),
    )
    closing_condition = models.TextField(_("closing condition"), blank=True)
    requires_result_photo = models.BooleanField(_("result needs a photo"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Street-facing problems (a drain, a street light) are read by anyone through Open311 without a
    # key; private ones (a family dispute, a care request, anything about a household) never are.
    is_public = models.BooleanField(
        _("public"),
        default=False,
        help_text=_("Cases of this subclass may be read by anyone (the place coarsened, no reporter)."),
    )
    # Extra answers a report of this subclass asks for (Open311 attributes): a list of
    # {"code", "description", "datatype", "required", "values": [{"key", "name"}]} (huizhi.cases.questions).
    questions = models.JSONField(_("questions"), default=list, blank=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(accept_limit__gt=0) & Q(handle_limit__gt=0), name="limits_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @classmethod
    def ids_under(cls, code: str) -> list[int]:
        """The ids of the category `code` and of its subclasses (a class's code begins theirs)."""
        return list(cls.objects.filter(subtree_q(code, "code")).order_by().values_list("pk", flat=True))

    @property
    def is_urgent(self) -> bool:
        """Urgent (紧急): its limit to accept runs in natural hours, the clock DESIGN §4 keeps for
        emergencies (a burst main, a gas smell) — nights and holidays count."""
        return self.accept_unit == ClockUnit.NATURAL_HOURS

    @property
    def is_subclass(self) -> bool:
        return self.parent_id is not None

    def clean(self) -> None:
        if self.parent_id is None:
            if not re.fullmatch(r"\d{2}", self.code or ""):
                raise ValidationError({"code": _("A class code has 2 digits.")})
        else:
            if self.parent.parent_id is not None:
                raise ValidationError(
                    {"parent": _("Categories have two levels: a subclass's parent is a class.")}
                )
            if not re.fullmatch(rf"{self.parent.code}\d{{2}}", self.code or ""):
                raise ValidationError(
                    {
                        "code": _(
                            "A subclass code is its class code followed by 2 digits (e.g. %(example)s01)."
                        )
                        % {"example": self.parent.code}
                    }
                )


class RoutingRule(models.Model):
    """Category + kind of compound → default handling unit. The most specific rule wins."""

    class Applies(models.TextChoices):
        ANY = "any", _("any place")
        WITH_PROPERTY = "with_property", _("compound with a property company")
        WITHOUT_PROPERTY = "without_property", _("compound without a property company")

    class Target(models.TextChoices):
        PROPERTY_COMPANY = "property_company", _("the compound's property company")
        COMMUNITY_REPAIR_CREW = "community_repair_crew", _("the community's repair crew")
        ORGANISATION = "organisation", _("a named organisation")

    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="routing_rules",
        help_text=_("A class or subclass; empty for every category."),
    )
    applies_to = models.CharField(
        _("applies to"), max_length=20, choices=Applies.choices, default=Applies.ANY
    )
    target = models.CharField(_("route to"), max_length=24, choices=Target.choices)
    organisation = models.ForeignKey(
        "places.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="routing_rules",
    )

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(target="organisation", organisation__isnull=False) | ~Q(target="organisation"),
                name="routing_named_target_has_organisation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.category or '*'} · {self.get_applies_to_display()} → {self.get_target_display()}"

    def clean(self) -> None:
        if self.target == self.Target.ORGANISATION and self.organisation_id is None:
            raise ValidationError({"organisation": _("Name the organisation to route to.")})
        if self.target == self.Target.PROPERTY_COMPANY and self.applies_to == self.Applies.WITHOUT_PROPERTY:
            raise ValidationError(
                _("A compound without a property company cannot be routed to its property company.")
            )
