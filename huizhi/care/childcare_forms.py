"""Forms of the childcare centre's enrolment and of a parent's application: the child offered only
within the class's age band, and each adult who may collect the child with a mobile to reach them."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huizhi.care.forms import CHOOSE
from huizhi.core.mobile import normalize_mainland_mobile

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MOBILE = forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"})


def _clean_mobile(form: forms.Form, field: str, required: bool) -> None:
    raw = (form.cleaned_data.get(field) or "").strip()
    if not raw:
        if required:
            form.add_error(field, _("Give a mobile number to reach this adult."))
        return
    try:
        form.cleaned_data[field] = normalize_mainland_mobile(raw)
    except ValidationError as error:
        form.add_error(field, error)


class ChildEnrolForm(forms.Form):
    child = forms.ModelChoiceField(label=_("Child"), queryset=None, empty_label=CHOOSE)
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE)
    adult_1 = forms.CharField(label=_("Authorised adult"), max_length=40)
    relationship_1 = forms.CharField(label=_("Relationship"), max_length=20)
    mobile_1 = forms.CharField(label=_("Mobile"), max_length=20, widget=MOBILE)
    adult_2 = forms.CharField(label=_("Second authorised adult"), max_length=40, required=False)
    relationship_2 = forms.CharField(label=_("Relationship"), max_length=20, required=False)
    mobile_2 = forms.CharField(label=_("Mobile"), max_length=20, required=False, widget=MOBILE)

    def __init__(self, *args, children=None, **kwargs):
        """`children`: those in the class's age band (selectors.children_for_class)."""
        super().__init__(*args, **kwargs)
        self.fields["child"].queryset = children
        self.fields["child"].label_from_instance = lambda r: f"{r.name} ({r.birth_date:%Y-%m-%d})"
        # A hint for the date picker only: the enrolment service refuses a start before today.
        self.fields["starts_on"].widget.attrs["min"] = timezone.localdate().isoformat()

    def clean(self):
        data = super().clean()
        for i in (1, 2):
            if data.get(f"adult_{i}"):
                _clean_mobile(self, f"mobile_{i}", required=True)
        return data

    def adults(self) -> list[tuple[str, str, str]]:
        data = self.cleaned_data
        return [
            (data[f"adult_{i}"], data[f"relationship_{i}"], data[f"mobile_{i}"])
            for i in (1, 2)
            if data.get(f"adult_{i}")
        ]


class ApplicationForm(forms.Form):
    """A parent's application: the classes offered are those whose age band fits the child."""

    klass = forms.ModelChoiceField(label=_("Class"), queryset=None, empty_label=CHOOSE)
    starts_on = forms.DateField(label=_("Wanted from"), widget=DATE)
    relationship = forms.CharField(label=_("You are the child's"), max_length=20)
    other_adult = forms.CharField(
        label=_("Another adult who may collect the child"), max_length=40, required=False
    )
    other_relationship = forms.CharField(label=_("Their relationship"), max_length=20, required=False)
    other_mobile = forms.CharField(label=_("Their mobile"), max_length=20, required=False, widget=MOBILE)

    def __init__(self, *args, classes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["klass"].queryset = classes
        self.fields["klass"].label_from_instance = lambda k: (
            f"{k.centre.name} · {k.name} ({k.get_band_display()})"
        )
        self.fields["starts_on"].widget.attrs["min"] = timezone.localdate().isoformat()
        self.fields["relationship"].widget.attrs["placeholder"] = _("e.g. mother")

    def clean(self):
        data = super().clean()
        if data.get("other_adult"):
            if not data.get("other_relationship"):
                self.add_error("other_relationship", _("Say how this adult is related to the child."))
            _clean_mobile(self, "other_mobile", required=True)
        return data


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("Reason for refusing"), max_length=300)
