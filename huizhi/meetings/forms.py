"""Forms parse and type what a page sends; the rules themselves are checked by the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from huizhi.accounts.models import User
from huizhi.cases.selectors import categories_for_reporting
from huizhi.meetings.models import Decision, Invitation, InviteeRole, MeetingKind, Vote
from huizhi.meetings.selectors import resolve_organiser
from huizhi.places.models import Organisation

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=MeetingKind.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    organiser = forms.ChoiceField(label=_("Held by"))
    venue = forms.CharField(label=_("Venue"), max_length=120)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DATETIME_INPUT)
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DATETIME_INPUT)
    invite_roles = forms.MultipleChoiceField(
        label=_("Invite"), choices=InviteeRole.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, organisers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organiser"].choices = [("", _("— choose —")), *organisers]
        # An organiser left empty is the service's refusal to say (with its reason), not the form's.
        self.fields["organiser"].required = False

    def clean_organiser(self):
        return resolve_organiser(self.cleaned_data.get("organiser", ""))


class InviteForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Invite"), choices=InviteeRole.choices, widget=forms.CheckboxSelectMultiple
    )


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
