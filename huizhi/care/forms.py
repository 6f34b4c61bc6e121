"""Forms parse what a browser sends; the services decide. Choice lists are set by the views."""

from django import forms
from django.utils.translation import gettext_lazy as _

from huizhi.care.kinds import ContactMethod, ContactOutcome, ServiceKind, SummerSessionKind, WatcherKind

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

CHOOSE = _("— choose —")  # the empty choice, never Django's "---------"


class SessionForm(forms.Form):
    service = forms.ModelChoiceField(label=_("Service"), queryset=None, empty_label=CHOOSE)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DATETIME)
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DATETIME)
    venue = forms.CharField(label=_("Place"), max_length=120)
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=200)
    lead = forms.CharField(label=_("Lead"), max_length=60)

    def __init__(self, *args, services=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services


class ResidentChoiceForm(forms.Form):
    resident = forms.ModelChoiceField(label=_("Resident"), queryset=None, empty_label=CHOOSE)

    def __init__(self, *args, residents=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resident"].queryset = residents
        self.fields["resident"].label_from_instance = lambda r: f"{r.name} ({r.birth_date:%Y})"


class ChildChoiceForm(forms.Form):
    """A child picked by pk among `children` (a parent's household)."""

    child = forms.ModelChoiceField(label=_("Child"), queryset=None, empty_label=CHOOSE)

    def __init__(self, *args, children=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child"].queryset = children


class EnrolmentChoiceForm(forms.Form):
    enrolment = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class HomeServiceForm(ResidentChoiceForm):
    kind = forms.ChoiceField(label=_("Service"), choices=ServiceKind.choices)
    description = forms.CharField(
        label=_("What is needed"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class ContactForm(forms.Form):
    resident = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ContactOutcome.choices, widget=forms.RadioSelect)
    method = forms.ChoiceField(label=_("How"), choices=ContactMethod.choices, initial=ContactMethod.VISIT)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class WatcherForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Watcher"), queryset=None, empty_label=CHOOSE)
    kind = forms.ChoiceField(label=_("As"), choices=WatcherKind.choices)

    def __init__(self, *args, users=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users


class PickUpForm(forms.Form):
    enrolment = forms.IntegerField(widget=forms.HiddenInput)
    collected_by = forms.CharField(label=_("Collected by"), max_length=40)


class CarerForm(forms.Form):
    name = forms.CharField(label=_("Carer"), max_length=40)


class SummerSessionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=SummerSessionKind.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DATETIME)
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DATETIME)
    venue = forms.CharField(label=_("Place"), max_length=120)
    lead = forms.ModelChoiceField(label=_("Volunteer lead"), queryset=None, empty_label=CHOOSE)

    def __init__(self, *args, volunteers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = volunteers


class HoursForm(forms.Form):
    volunteer = forms.ModelChoiceField(label=_("Volunteer"), queryset=None, empty_label=CHOOSE)
    activity = forms.ModelChoiceField(label=_("Activity"), queryset=None, empty_label=CHOOSE)
    served_on = forms.DateField(label=_("Served on"), widget=DATE)
    hours = forms.DecimalField(label=_("Hours"), max_digits=4, decimal_places=1)

    def __init__(self, *args, volunteers=None, activities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].queryset = volunteers
        self.fields["activity"].queryset = activities


class ActivityForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    held_on = forms.DateField(label=_("Held on"), widget=DATE)

    def __init__(self, *args, communities=None, **kwargs):
        """`communities`: the ones to choose from, for those who organise for more than one."""
        super().__init__(*args, **kwargs)
        if communities is not None:
            self.fields["community"] = forms.ModelChoiceField(
                label=_("Community"), queryset=communities, empty_label=CHOOSE
            )


class VolunteerForm(forms.Form):
    skills = forms.CharField(label=_("Skills"), max_length=200, required=False)


class VolunteerRegisterForm(VolunteerForm):
    resident = forms.IntegerField(widget=forms.HiddenInput)


class WatchRemoveForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for taking off the watch"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )


class AlertClearForm(forms.Form):
    note = forms.CharField(label=_("What was done"), max_length=300)


class DayOffForm(forms.Form):
    carer = forms.IntegerField(widget=forms.HiddenInput)
    day = forms.DateField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
