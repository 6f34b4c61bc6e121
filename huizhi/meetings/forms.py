"""Forms parse and type what a page sends; the rules themselves are checked by the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from huizhi.accounts.models import User
from huizhi.care.models import Volunteer
from huizhi.cases.selectors import categories_for_reporting
from huizhi.meetings.models import Decision, Invitation, InviteeRole, MeetingKind, Venue, VenueKind, Vote
from huizhi.meetings.selectors import resolve_organiser
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Group, Organisation, Place

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=MeetingKind.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    organiser = forms.ChoiceField(label=_("Held by"))
    venue_place = forms.TypedChoiceField(
        label=_("Meeting place"), coerce=int, required=False, empty_value=None
    )
    venue = forms.CharField(
        label=_("Or a venue in words"),
        max_length=120,
        required=False,
        help_text=_("Leave empty to use the meeting place's name."),
    )
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DATETIME_INPUT)
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DATETIME_INPUT)
    invite_roles = forms.MultipleChoiceField(
        label=_("Invite"), choices=InviteeRole.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, organisers=(), venues=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["venue_place"].choices = [("", _("— none: say where in words —")), *venues]
        self.fields["organiser"].choices = [("", _("— choose —")), *organisers]
        # An organiser left empty is the service's refusal to say (with its reason), not the form's.
        self.fields["organiser"].required = False

    def clean_organiser(self):
        return resolve_organiser(self.cleaned_data.get("organiser", ""))

    def clean_venue_place(self):
        pk = self.cleaned_data.get("venue_place")
        return Venue.objects.filter(pk=pk).first() if pk is not None else None


class InviteForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Invite"), choices=InviteeRole.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    organisations = forms.ModelMultipleChoiceField(
        label=_("Or invite these organisations by name"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organisations is not None:
            self.fields["organisations"].queryset = organisations

    def clean(self):
        data = super().clean()
        if not data.get("roles") and not data.get("organisations") and not self.errors:
            raise forms.ValidationError(_("Choose a party or an organisation to invite."))
        return data


class AgendaForm(forms.Form):
    agenda_item = forms.TypedChoiceField(
        label=_("Waiting item"), coerce=int, required=False, empty_value=None
    )
    case = forms.CharField(label=_("Or a case number (HZ…)"), max_length=12, required=False)
    title = forms.CharField(label=_("Or a new topic"), max_length=120, required=False)

    def clean_case(self):
        """HZ0000123 (or 123) → 123; the service checks the case is the community's and visible."""
        value = self.cleaned_data.get("case", "").strip().upper().removeprefix("HZ")
        if not value:
            return None
        if not value.isdigit():
            raise forms.ValidationError(_("A case number looks like HZ0000123."))
        return int(value)

    summary = forms.CharField(
        label=_("Summary"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000, required=False
    )

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agenda_item"].choices = [("", _("— a new topic —"))] + [(i.pk, i.title) for i in items]


class MinutesForm(forms.Form):
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 10}), max_length=20000)
    publish = forms.BooleanField(label=_("Publish the minutes and decisions"), required=False)


VOTE_CHOICES = [("", _("did not vote")), *Vote.Choice.choices]


class DecisionForm(forms.Form):
    """A decision with its owner, due date, and a vote per signed-in voter (vote_<user id>)."""

    text = forms.CharField(
        label=_("What was decided"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    agenda_item = forms.TypedChoiceField(label=_("On the item"), coerce=int, required=False, empty_value=None)
    method = forms.ChoiceField(
        label=_("Decided by"), choices=Decision.Method.choices, widget=forms.RadioSelect
    )
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    due_date = forms.DateField(
        label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, items=(), voters: list[Invitation] = (), owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agenda_item"].choices = [("", _("— none —"))] + [
            (i.agenda_item_id, i.agenda_item.title) for i in items
        ]
        self.fields["owner"].choices = [("", _("— choose —")), *owners]
        self.voters = list(voters)
        for invitation in self.voters:
            self.fields[f"vote_{invitation.user_id}"] = forms.ChoiceField(
                label=str(invitation.user), choices=VOTE_CHOICES, required=False
            )

    def vote_fields(self):
        return [self[f"vote_{i.user_id}"] for i in self.voters]

    def clean(self):
        data = super().clean()
        kind, _sep, pk = (data.get("owner") or "").partition(":")
        data["owner_user"] = User.objects.filter(pk=pk).first() if kind == "user" and pk.isdigit() else None
        data["owner_organisation"] = (
            Organisation.objects.filter(pk=pk).first() if kind == "organisation" and pk.isdigit() else None
        )
        data["votes"] = {
            i.user_id: data[f"vote_{i.user_id}"] for i in self.voters if data.get(f"vote_{i.user_id}")
        }
        return data


class ProgressForm(forms.Form):
    note = forms.CharField(label=_("Progress"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)
    done = forms.BooleanField(label=_("Carried out"), required=False)


class SpawnCaseForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=categories_for_reporting(), empty_label=_("— choose —")
    )
    title = forms.CharField(label=_("Case title"), max_length=120)


class CommendationForm(forms.Form):
    """Whom ("volunteer:<id>", "household:<id>" or "group:<id>", offered by the page) and why."""

    whom = forms.ChoiceField(label=_("Commend"))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)

    def __init__(self, *args, parties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["whom"].choices = [("", _("— choose —")), *parties]

    def clean(self):
        data = super().clean()
        kind, _sep, pk = (data.get("whom") or "").partition(":")
        pk = int(pk) if pk.isascii() and pk.isdigit() else None
        data["volunteer"] = (
            Volunteer.objects.select_related("resident").filter(pk=pk).first()
            if kind == "volunteer"
            else None
        )
        data["household"] = (
            Place.objects.filter(pk=pk, kind=PlaceKind.UNIT).first() if kind == "household" else None
        )
        data["group"] = (
            Group.objects.select_related("place__parent").filter(pk=pk).first() if kind == "group" else None
        )
        return data


class VenueForm(forms.Form):
    community = forms.TypedChoiceField(label=_("Community"), coerce=int)
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=VenueKind.choices)
    address = forms.CharField(label=_("Address"), max_length=200)
    lon = forms.FloatField(label=_("Longitude"), required=False, help_text=_("e.g. 118.3312"))
    lat = forms.FloatField(label=_("Latitude"), required=False, help_text=_("e.g. 32.3105"))

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(c.pk, c.name) for c in communities]
        self.communities = {c.pk: c for c in communities}

    def clean_community(self):
        return self.communities.get(self.cleaned_data["community"])


class MonthForm(forms.Form):
    """?month=2026-12 on the calendar."""

    month = forms.DateField(label=_("Month"), input_formats=["%Y-%m"], required=False)

    def clean_month(self):
        month = self.cleaned_data.get("month")
        if month is not None and not 2000 <= month.year <= 2100:
            raise forms.ValidationError(_("Choose a month between 2000 and 2100."))
        return month
