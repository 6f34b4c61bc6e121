"""Forms parse and type what a page sends; the rules themselves are checked by the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from huizhi.projects.models import Need, Resource

DATE_INPUT = forms.DateInput(attrs={"type": "date"})
AMOUNT = {"max_digits": 14, "decimal_places": 2, "required": False}


class _ChoiceOf(forms.TypedChoiceField):
    """A choice among rows given by the page (pk → label); the page's own list is the whitelist."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", int)
        kwargs.setdefault("empty_value", None)
        super().__init__(*args, **kwargs)


class NeedForm(forms.Form):
    community = _ChoiceOf(label=_("Community"))
    title = forms.CharField(label=_("Need"), max_length=120)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    source = forms.ChoiceField(label=_("Where it came from"), choices=Need.Source.choices)

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(c.pk, c.name) for c in communities]


class ResourceForm(forms.Form):
    organisation = _ChoiceOf(label=_("Offered by"))
    kind = forms.ChoiceField(label=_("Kind"), choices=Resource.Kind.choices)
    title = forms.CharField(label=_("What is offered"), max_length=120)
    description = forms.CharField(
        label=_("Details"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000, required=False
    )
    amount = forms.DecimalField(label=_("Amount (yuan)"), min_value=0, **AMOUNT)
    capacity = forms.IntegerField(label=_("Capacity (people or items)"), required=False, min_value=1)
    available_until = forms.DateField(label=_("Available until"), required=False, widget=DATE_INPUT)
    withdraw = forms.BooleanField(label=_("Withdraw this offer"), required=False)

    def __init__(self, *args, organisations=(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(o.pk, o.name) for o in organisations]
        if editing:
            del self.fields["organisation"]
        else:
            del self.fields["withdraw"]


class _ProjectFields(forms.Form):
    title = forms.CharField(label=_("Project title"), max_length=120)
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE_INPUT)
    ends_on = forms.DateField(label=_("Ends on"), widget=DATE_INPUT)
    funding_source = forms.CharField(label=_("Funding source"), max_length=200, required=False)
    funding_amount = forms.DecimalField(label=_("Funding (yuan)"), min_value=0, **AMOUNT)
    public_summary = forms.CharField(
        label=_("Public summary"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )


class MatchForm(_ProjectFields):
    need = _ChoiceOf(label=_("Need"))
    resource = _ChoiceOf(label=_("Resource"))
    field_order = ["need", "resource", "title", "starts_on", "ends_on", "funding_source", "funding_amount"]

    def __init__(self, *args, needs=(), resources=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.fields["title"].help_text = _("Empty: the need's title.")
        self.fields["need"].choices = [(n.pk, f"{n.community.name} · {n.title}") for n in needs]
        self.fields["resource"].choices = [
            (r.pk, f"{r.organisation.name} · {r.get_kind_display()} · {r.title}") for r in resources
        ]


class ProjectForm(_ProjectFields):
    community = _ChoiceOf(label=_("Community"))
    proposing_organisation = _ChoiceOf(label=_("Proposed by"), required=False)
    field_order = ["community", "proposing_organisation", "title"]

    def __init__(self, *args, communities=(), organisations=(), organisation_required=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(c.pk, c.name) for c in communities]
        empty = [] if organisation_required else [("", _("— the community itself —"))]
        self.fields["proposing_organisation"].choices = empty + [(o.pk, o.name) for o in organisations]
        self.fields["proposing_organisation"].required = organisation_required


class DecisionProjectForm(_ProjectFields):
    resource = _ChoiceOf(label=_("Funded by the resource"), required=False)

    def __init__(self, *args, resources=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resource"].choices = [("", _("— none —"))] + [
            (r.pk, f"{r.organisation.name} · {r.title}") for r in resources
        ]


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=120)
    due_on = forms.DateField(label=_("Due on"), widget=DATE_INPUT)


class ProgressForm(forms.Form):
    note = forms.CharField(label=_("Progress"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)
    publish = forms.BooleanField(label=_("Publish on the community's echo wall"), required=False)


class CompleteForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )
    publish = forms.BooleanField(label=_("Publish on the community's echo wall"), required=False)
