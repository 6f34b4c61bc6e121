"""Forms parse and type what a page sends; the rules themselves are checked by the services."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huizhi.accounts.models import User
from huizhi.cases.models import Case, Category
from huizhi.cases.selectors import QueueFilter, categories_for_reporting, staffed_unit_ids, transition_choices
from huizhi.cases.states import Outcome, Rating, Source, Status
from huizhi.cases.transitions import DUE_AT, INPUTS, UNIT, Action, Transition
from huizhi.cases.workcalendar import DEADLINE_PRESETS, preset_deadline
from huizhi.core.dates import EARLIEST_YEAR, LATEST_YEAR, in_supported_range
from huizhi.core.text import MAX_TEXT
from huizhi.core.widgets import LongSelect
from huizhi.places.forms import PlaceChoiceField
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Organisation, Place


class CaseNumberField(forms.ModelChoiceField):
    """A case typed by its number ("HZ0001234", or the bare id) among `queryset`'s cases.

    A community may hold thousands of open cases at a city's scale: offered as a list they were most
    of the case page's time (3,000 options), and no one scrolls such a list to find the one meant."""

    widget = forms.TextInput(attrs={"autocomplete": "off", "list": "merge-targets", "inputmode": "text"})

    def to_python(self, value):
        text = str(value or "").strip().upper().removeprefix("HZ").lstrip("0") if value else ""
        if not text:
            return None
        if not (text.isascii() and text.isdigit() and len(text) <= 18):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(text)

    def prepare_value(self, value):
        if isinstance(value, Case):
            return value.reference
        return super().prepare_value(value)


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Zero or more photos; each is checked and cleaned by huizhi.core.photos in the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultiplePhotoInput(attrs={"accept": "image/*"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(PhotosField, self).clean(f, initial) for f in files]


class ReportForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=categories_for_reporting(), empty_label=_("— choose —")
    )
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), max_length=MAX_TEXT
    )
    place = PlaceChoiceField(label=_("Compound or building"), required=False, queryset=Place.objects.none())
    lon = forms.FloatField(label=_("Longitude"), required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(label=_("Latitude"), required=False, widget=forms.HiddenInput)
    photos = PhotosField(label=_("Photos"))
    # The page's one-time key (report.js fills it): a report sent twice files one case.
    submission = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, places=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = (
            places
            if places is not None
            else Place.objects.filter(kind__in=[PlaceKind.COMPOUND, PlaceKind.BUILDING])
        )
        self.fields["photos"].widget.attrs["capture"] = "environment"

    def clean(self):
        data = super().clean()
        if (data.get("lon") is None) != (data.get("lat") is None):
            # Half a point (no map on the report form: it comes from "use my location").
            raise forms.ValidationError(_("Location unavailable; choose the place instead"))
        if not data.get("place") and data.get("lon") is None and "place" not in self.errors:
            raise forms.ValidationError(
                _("Say where the problem is: choose a compound or building, or use your location.")
            )
        return data


def deadline_preset_field(label, *, first: tuple[str, str] | None = None) -> forms.ChoiceField:
    """Presets for a deadline set by hand, counted in working time when the form is sent."""
    labels = {
        "1h": _("1 working hour"),
        "4h": _("4 working hours"),
        "1d": _("1 working day"),
        "3d": _("3 working days"),
    }
    presets = [(key, labels[key]) for key in DEADLINE_PRESETS]
    return forms.ChoiceField(
        label=label, choices=([first] if first else []) + presets, widget=forms.RadioSelect, required=False
    )


def apply_deadline_preset(form: forms.Form, preset_name: str, date_name: str) -> None:
    """In `form.clean`: a date and time typed in the date field wins (the person wrote it); else
    the preset chosen, counted in working time from now; else no deadline from the form."""
    data = form.cleaned_data
    preset = data.get(preset_name) or ""
    if preset and not data.get(date_name) and date_name not in form.errors:
        data[date_name] = preset_deadline(preset, timezone.now())


class TransitionForm(forms.Form):
    """Every input any transition may take (transitions.INPUTS); the page shows each action the
    fields its row names (`shown_fields`), with the options the rules allow this actor."""

    action = forms.CharField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("What was done"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 2})
    )
    unit = forms.ModelChoiceField(
        label=_("Handling unit"), required=False, queryset=Organisation.objects.none(), widget=LongSelect
    )
    due_preset = deadline_preset_field(_("Deadline"), first=("", _("the category's limit")))
    due_at = forms.DateTimeField(
        label=_("Or a date and time of your own"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    approver = forms.ModelChoiceField(
        label=_("Approved by (street leadership)"),
        required=False,
        queryset=User.objects.none(),
        empty_label=_("— choose —"),
    )
    merged_into = CaseNumberField(
        label=_("Duplicate of"),
        required=False,
        queryset=Case.objects.none(),
        help_text=_("The number of the open case of this community it repeats, e.g. HZ0001234."),
    )
    outcome = forms.ChoiceField(
        label=_("Why"),
        required=False,
        choices=[
            ("", "—"),
            (Outcome.NOT_OUR_RESPONSIBILITY, Outcome.NOT_OUR_RESPONSIBILITY.label),
            (Outcome.INVALID, Outcome.INVALID.label),
        ],
    )
    photos = PhotosField(label=_("Photos"))

    def __init__(self, *args, case: Case, actor, transition: Transition | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for name, options in transition_choices(case, actor).items():
            self.fields[name].queryset = options
        self.fields["photos"].widget.attrs["capture"] = "environment"
        self.transition = transition
        if transition is not None and transition.note_label:
            self.fields["note"].label = transition.note_label
        if transition is not None and UNIT in transition.inputs:
            self._group_units(suggested=self.initial.get(UNIT))
        if transition is not None and transition.action == Action.ACCEPT:
            # Accept and dispatch in one step only when the person chooses the unit: the rule's
            # suggestion comes first in the list but is not chosen for them.
            self.fields[UNIT].label = _("Dispatch at once to (optional)")
            self.initial.pop(UNIT, None)

    def clean(self):
        data = super().clean()
        apply_deadline_preset(self, "due_preset", DUE_AT)
        return data

    def _group_units(self, suggested) -> None:
        """Units grouped by kind, the routing rule's suggestion first, and those with nobody to
        receive the task marked, so a dispatch never lands where no one will see it."""
        units = list(self.fields[UNIT].queryset)
        staffed = staffed_unit_ids([unit.pk for unit in units])

        def label(unit):
            return (
                unit.name if unit.pk in staffed else _("%(unit)s (no active account)") % {"unit": unit.name}
            )

        groups: dict[str, list] = {}
        for unit in units:
            groups.setdefault(unit.get_kind_display(), []).append((unit.pk, label(unit)))
        choices = [("", "—")]
        if suggested is not None and getattr(suggested, "pk", None) in {unit.pk for unit in units}:
            choices.append((_("Suggested by the routing rule"), [(suggested.pk, label(suggested))]))
        self.fields[UNIT].choices = choices + list(groups.items())
        if any(unit.pk not in staffed for unit in units):
            self.fields[UNIT].help_text = _(
                "A unit marked “no active account” has nobody to receive the task."
            )

    def shown_fields(self) -> list:
        """The fields the page shows for this form's action, in its row's order."""
        if self.transition is None:
            return []
        names = []
        for name in self.transition.inputs:
            names += ["due_preset", name] if name == DUE_AT else [name]
        return [self[name] for name in names]

    def inputs(self) -> dict:
        """The cleaned inputs, as case_transition() takes them."""
        return {name: self.cleaned_data[name] for name in INPUTS}


class SupervisionForm(forms.Form):
    requirement = forms.CharField(
        label=_("Requirement"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    reply_preset = deadline_preset_field(_("Reply within"))
    reply_due_at = forms.DateTimeField(
        label=_("Or reply by a date and time of your own"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"reply_preset": "1d"})
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        apply_deadline_preset(self, "reply_preset", "reply_due_at")
        if not data.get("reply_due_at") and "reply_due_at" not in self.errors:
            self.add_error("reply_due_at", _("Choose when the reply is due."))
        return data


class NoticeReplyForm(forms.Form):
    reply = forms.CharField(label=_("Reply"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class RatingForm(forms.Form):
    rating = forms.ChoiceField(
        label=_("How was it handled?"), choices=Rating.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = [
            "accept_limit",
            "accept_unit",
            "handle_limit",
            "handle_unit",
            "closing_condition",
            "requires_result_photo",
            "is_active",
            "is_public",
        ]
        widgets = {"closing_condition": forms.Textarea(attrs={"rows": 2})}


class CallBackForm(forms.Form):
    """One call-back (回访): reached or not, and if reached, how satisfied (the residents' scale)."""

    case = forms.IntegerField(widget=forms.HiddenInput)
    reached = forms.TypedChoiceField(
        label=_("Reached?"),
        choices=[("yes", _("Reached")), ("no", _("Not reached"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    satisfaction = forms.ChoiceField(
        label=_("Satisfaction"),
        choices=[("", _("(not reached)")), *Rating.choices],
        required=False,
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


# --- the staff case list's filter ------------------------------------------------------------


def _code_field(label, digits: str, message) -> forms.RegexField:
    # ASCII digits only: "²" and full-width digits pass str.isdigit but are no code.
    return forms.RegexField(
        label=label,
        regex=rf"\A[0-9]{{{digits}}}\Z",
        required=False,
        strip=True,
        error_messages={"invalid": message},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 15}),
    )


class QueueFilterForm(forms.Form):
    """The staff case list's filter (GET): every value typed and checked, so a bad one is a message
    on the page, never a 500. `queue_filter()` is what the selector takes."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("open", _("open")), ("all", _("all")), *Status.choices],
    )
    clock = forms.ChoiceField(
        label=_("Time left"),
        required=False,
        choices=[("", _("any")), ("near_due", _("near due")), ("overdue", _("overdue"))],
    )
    community = _code_field(_("Community code"), "12", _("A community code is 12 digits."))
    grid = _code_field(_("Grid code"), "15", _("A grid code is 15 digits."))
    category = _code_field(_("Category code"), "2,4", _("A category code is 2 or 4 digits."))
    source = forms.ChoiceField(label=_("Source"), required=False, choices=[("", _("any")), *Source.choices])
    reported_from = forms.DateField(
        label=_("Reported from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reported_to = forms.DateField(
        label=_("Reported to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[
            ("newest", _("newest reported first")),
            ("oldest", _("oldest reported first")),
            ("time_left", _("least time left first")),
        ],
    )
    q = forms.CharField(label=_("Search"), required=False, strip=True)

    def _clean_day(self, name: str):
        day = self.cleaned_data.get(name)
        if day is not None and not in_supported_range(day):
            raise forms.ValidationError(
                _("Choose a date between the years %(first)d and %(last)d.")
                % {"first": EARLIEST_YEAR, "last": LATEST_YEAR}
            )
        return day

    def clean_reported_from(self):
        return self._clean_day("reported_from")

    def clean_reported_to(self):
        return self._clean_day("reported_to")

    def clean_category(self):
        code = self.cleaned_data.get("category", "")
        if len(code) == 3:  # the regex's {2,4} lets three through
            raise forms.ValidationError(self.fields["category"].error_messages["invalid"])
        return code

    def clean(self):
        data = super().clean()
        start, end = data.get("reported_from"), data.get("reported_to")
        if start and end and start > end:
            self.add_error("reported_to", _("The end date is before the start date."))
        return data

    def queue_filter(self) -> QueueFilter:
        data = self.cleaned_data
        return QueueFilter(
            status=data.get("status") or "open",
            clock=data.get("clock", ""),
            category=data.get("category", ""),
            community=data.get("community", ""),
            grid=data.get("grid", ""),
            source=data.get("source", ""),
            reported_from=data.get("reported_from"),
            reported_to=data.get("reported_to"),
            sort=data.get("sort") or "newest",
            query=data.get("q", "")[:60],
        )
