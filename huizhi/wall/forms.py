"""Forms parse what the wall pages send; the rules are the services' (huizhi.wall.services)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from huizhi.cases.forms import ReportForm
from huizhi.cases.models import Category
from huizhi.core.text import MAX_TEXT
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.wall.models import ResponseTemplate, TriageDecision


class MobileForm(forms.Form):
    mobile = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the text message"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class PostForm(ReportForm):
    """The same fields as a report (category, title, text, place or map point, photos)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "places",
            Place.objects.filter(kind__in=[PlaceKind.COMPOUND, PlaceKind.BUILDING])
            .select_related("parent")
            .order_by("code"),
        )
        super().__init__(*args, **kwargs)
        # A wall item may name any compound or building of the street, whoever posts it.
        self.fields["place"].widget.search_scope = "all"


class TriageForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("This item becomes"), choices=TriageDecision.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("Response (the author sees it; answers are public)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=MAX_TEXT,
    )
    category = forms.ModelChoiceField(
        label=_("Category of the case"),
        queryset=Category.objects.filter(parent__isnull=False, is_active=True),
        required=False,
        empty_label=_("— as posted —"),
    )
    show_photos = forms.BooleanField(label=_("Show the photos publicly"), required=False, initial=True)


class ModerationForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("publish", _("Publish")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reason (the author sees it)"), max_length=400, required=False)


class ResponseForm(forms.Form):
    text = forms.CharField(
        label=_("Your response"), widget=forms.Textarea(attrs={"rows": 4}), max_length=MAX_TEXT
    )


class ResponseTemplateForm(forms.ModelForm):
    class Meta:
        model = ResponseTemplate
        fields = ["community", "category", "outcome", "text"]

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        if communities is not None:
            self.fields["community"].queryset = communities
        # Empty choices in words (the help texts say what an empty one means), not "---------".
        self.fields["community"].empty_label = _("— every community —")
        self.fields["category"].empty_label = _("— every category —")
        self.fields["outcome"].choices = [("", _("— choose —")), *TriageDecision.choices]
