from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from huizhi.core.models import ChoiceLabels
from huizhi.places.codes import is_within, subtree_q
from huizhi.places.kinds import OrganisationKind, PlaceKind


class PlaceQuerySet(models.QuerySet):
    def of_kind(self, kind: str) -> "PlaceQuerySet":
        return self.filter(kind=kind)

    def within(self, place: "Place") -> "PlaceQuerySet":
        """`place` and everything below it (codes are prefixes of their descendants' codes)."""
        return self.filter(subtree_q(place.code))


class Place(ChoiceLabels, models.Model):
    """A node of the place tree: district → street → community → grid → compound → building → unit.

    One table for every level so that scope ("this node and everything below it") is one rule:
    a descendant's code starts with its ancestor's code (see huizhi.places.codes).
    """

    kind = models.CharField(_("kind"), max_length=16, choices=PlaceKind.choices)
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent place"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Grids: a GeoJSON Polygon geometry in lon/lat (WGS84/CGCS2000).
    boundary = models.JSONField(_("boundary"), null=True, blank=True)
    # Compounds and buildings: a representative point, for maps and point-to-grid checks.
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    # Compounds: 有物业 / 无物业. 无物业 compounds route repairs to the community (红色汇治).
    has_property_company = models.BooleanField(_("has a property company"), null=True, blank=True)
    property_company = models.ForeignKey(
        "places.Organisation",
        verbose_name=_("property company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_compounds",
        limit_choices_to={"kind": OrganisationKind.PROPERTY_COMPANY},
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=PlaceKind.values), name="place_kind_valid"),
            models.CheckConstraint(
                condition=Q(kind=PlaceKind.DISTRICT) | Q(parent__isnull=False),
                name="place_has_parent_below_district",
            ),
        ]
        indexes = [models.Index(fields=["kind", "code"])]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The place as people say it: a building with its compound ("扬天小区 11栋"), since "11栋"
        alone names a dozen buildings. Fetch the parent with it (select_related("parent"))."""
        if self.kind == PlaceKind.BUILDING and self.parent_id:
            return f"{self.parent.name} {self.name}"
        return self.name

    @property
    def kind_label(self) -> str:
        return PlaceKind(self.kind).label

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from huizhi.places import codes

        if self.kind not in PlaceKind.values:
            return  # the kind field says what is wrong; nothing below can be checked without it
        expected_parent = codes.parent_kind(self.kind)
        parent = self.parent if self.parent_id else None
        if (parent.kind if parent else None) != expected_parent:
            raise ValidationError(
                {
                    "parent": _("A %(kind)s belongs under a %(parent)s.")
                    % {
                        "kind": PlaceKind(self.kind).label,
                        "parent": PlaceKind(expected_parent).label if expected_parent else "—",
                    }
                }
            )
        codes.validate_code(self.kind, self.code, parent.code if parent else None)

    def ancestor_code(self, kind: str) -> str | None:
        """The code of this place's ancestor of `kind` (or its own), read off the code itself."""
        from huizhi.places.codes import CODE_RULES

        length = CODE_RULES[kind][1]
        return self.code[:length] if len(self.code) >= length else None

    def contains(self, other: "Place") -> bool:
        return is_within(other.code, self.code)


class _KindManager(models.Manager):
    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind

    def get_queryset(self):
        return PlaceQuerySet(self.model, using=self._db).filter(kind=self.kind)


def _kind_proxy(kind: PlaceKind, verbose: str, verbose_plural: str):
    """A proxy of Place for one kind, so the admin and code can speak of Grids and Compounds."""

    class Meta:
        proxy = True
        verbose_name = verbose
        verbose_name_plural = verbose_plural

    return {"Meta": Meta, "objects": _KindManager(kind), "__module__": __name__, "KIND": kind}


District = type("District", (Place,), _kind_proxy(PlaceKind.DISTRICT, _("district"), _("districts")))
Street = type("Street", (Place,), _kind_proxy(PlaceKind.STREET, _("street"), _("streets")))
Community = type("Community", (Place,), _kind_proxy(PlaceKind.COMMUNITY, _("community"), _("communities")))
Grid = type("Grid", (Place,), _kind_proxy(PlaceKind.GRID, _("grid"), _("grids")))
Compound = type("Compound", (Place,), _kind_proxy(PlaceKind.COMPOUND, _("compound"), _("compounds")))
Building = type("Building", (Place,), _kind_proxy(PlaceKind.BUILDING, _("building"), _("buildings")))
HouseholdUnit = type(
    "HouseholdUnit", (Place,), _kind_proxy(PlaceKind.UNIT, _("household unit"), _("household units"))
)


class Organisation(ChoiceLabels, models.Model):
    """Anyone who can take part or be a handling unit: party bodies, companies, crews, departments."""

    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    name = models.CharField(_("name"), max_length=120)
    # Where it belongs (a grid for a grid party branch, a community for its committee, ...).
    place = models.ForeignKey(
        Place, verbose_name=_("place"), on_delete=models.PROTECT, related_name="organisations"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["place__code", "kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=OrganisationKind.values), name="organisation_kind_valid"
            ),
            # A grid has at most one grid party branch.
            models.UniqueConstraint(
                fields=["place"],
                condition=Q(kind=OrganisationKind.GRID_PARTY_BRANCH),
                name="one_branch_per_grid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Region(models.Model):
    """A self-governance region (自治大区) inside a building or compound."""

    name = models.CharField(_("name"), max_length=100)
    place = models.ForeignKey(
        Place, verbose_name=_("place"), on_delete=models.PROTECT, related_name="regions"
    )

    class Meta:
        verbose_name = _("self-governance region")
        verbose_name_plural = _("self-governance regions")
        ordering = ["place__code", "name"]

    def __str__(self) -> str:
        return self.name


class Group(models.Model):
    """A self-governance group (自治小组), led by a central party-member household (中心党员户)."""

    name = models.CharField(_("name"), max_length=100)
    place = models.ForeignKey(Place, verbose_name=_("place"), on_delete=models.PROTECT, related_name="groups")
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="groups",
    )
    central_household = models.OneToOneField(
        Place,
        verbose_name=_("central party-member household"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_group",
        limit_choices_to={"kind": PlaceKind.UNIT},
    )
    households = models.ManyToManyField(
        Place,
        verbose_name=_("households"),
        through="GroupHousehold",
        related_name="self_governance_groups",
        blank=True,
    )

    class Meta:
        verbose_name = _("self-governance group")
        verbose_name_plural = _("self-governance groups")
        ordering = ["place__code", "name"]

    def __str__(self) -> str:
        return self.name


class GroupHousehold(models.Model):
    """A household unit's membership of a self-governance group (包户): one group per unit."""

    group = models.ForeignKey(Group, verbose_name=_("group"), on_delete=models.CASCADE)
    unit = models.OneToOneField(
        Place, verbose_name=_("household unit"), on_delete=models.CASCADE, related_name="group_membership"
    )

    class Meta:
        verbose_name = _("group household")
        verbose_name_plural = _("group households")

    def __str__(self) -> str:
        return f"{self.group} · {self.unit}"
