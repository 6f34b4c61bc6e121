"""Forms parse and type what a page sends; the rules are checked by the services."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huizhi.care.kinds import ServiceKind
from huizhi.cases.forms import PhotosField
from huizhi.cases.selectors import categories_for_reporting
from huizhi.fieldwork.models import CADENCE_DAYS_MAX, NeedOutcome
from huizhi.registry.tags import Tag

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PlaceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, place) -> str:
        return place.label


def _place_field(label, required: bool, empty_label):
    return PlaceChoiceField(label=label, queryset=None, required=required, empty_label=empty_label)


class StartForm(forms.Form):
    grid = forms.ModelChoiceField(label=_("Grid"), queryset=None, required=False, empty_label=None)

    def __init__(self, *args, grids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grids


class CheckInForm(forms.Form):
    place = _place_field(_("Where are you?"), False, _("— the nearest to my location —"))
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note (optional)"), max_length=200, required=False)

    def __init__(self, *args, places=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = places


class FixForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=categories_for_reporting(), empty_label=_("— choose —")
    )
    title = forms.CharField(label=_("What was wrong (title)"), max_length=120)
    place = _place_field(_("Compound or building"), True, _("— choose —"))
    description = forms.CharField(
        label=_("What you found"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    done = forms.CharField(label=_("What you did"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    photos_before = PhotosField(label=_("Photo before"))
    photos_after = PhotosField(label=_("Photo after"))
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, places=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = places
        for name in ("photos_before", "photos_after"):
            self.fields[name].widget.attrs["capture"] = "environment"


class VisitForm(forms.Form):
    visited_on = forms.DateField(label=_("Visit date"), widget=DATE_INPUT)
    met = forms.TypedChoiceField(label=_("Met"), coerce=int, required=False, empty_value=None)
    needs = forms.CharField(
        label=_("Needs"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False
    )
    follow_up = forms.CharField(
        label=_("Follow-up"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )
    need_becomes = forms.ChoiceField(
        label=_("The need becomes"),
        choices=NeedOutcome.choices,
        widget=forms.RadioSelect,
        required=False,
        initial=NeedOutcome.NOTHING,
    )
    category = forms.ModelChoiceField(
        label=_("Case category"),
        queryset=categories_for_reporting(),
        required=False,
        empty_label=_("— only for a case —"),
    )
    service_kind = forms.ChoiceField(
        label=_("Kind of home service"),
        choices=[("", _("— only for a home service —"))] + list(ServiceKind.choices),
        required=False,
    )
    topic = forms.CharField(
        label=_("Topic for the meeting"),
        help_text=_("Read out at the meeting and kept in its minutes: write it without names."),
        max_length=120,
        required=False,
    )

    def __init__(self, *args, residents=(), **kwargs):
        kwargs.setdefault("initial", {"visited_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.residents = {resident.pk: resident for resident in residents}
        self.fields["met"].choices = [("", _("— no one named —"))] + [
            (resident.pk, label) for resident, label in residents_masked(residents)
        ]


def residents_masked(residents) -> list[tuple[object, str]]:
    """Each resident as the visit form shows them: the surname only, with their role in the
    household and their age band, enough to tell them apart at the door."""
    from huizhi.core.text import mask_person_name as mask

    today = timezone.localdate()
    rows = []
    for resident in residents:
        years = today.year - resident.birth_date.year
        rows.append(
            (resident, f"{mask(resident.name)} · {resident.get_relationship_display()} · {years // 10 * 10}+")
        )
    return rows


class CadenceForm(forms.Form):
    community = forms.TypedChoiceField(label=_("Community"), coerce=int)
    tag = forms.ChoiceField(label=_("Household tag"), choices=Tag.choices)
    every_days = forms.IntegerField(
        label=_("Visit every (days; 0 removes)"), min_value=0, max_value=CADENCE_DAYS_MAX
    )

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.communities = {community.pk: community for community in communities}
        self.fields["community"].choices = [(c.pk, c.name) for c in communities]


class SpotCheckForm(forms.Form):
    result = forms.ChoiceField(choices=[("ok", _("fixed")), ("not_ok", _("not fixed"))])
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
