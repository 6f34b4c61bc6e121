"""Forms parse and type what a page sends; the rules are checked by the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
INDENT = {PlaceKind.COMMUNITY: "", PlaceKind.GRID: "· ", PlaceKind.COMPOUND: "· · "}


class NoticeForm(forms.Form):
    place = forms.TypedChoiceField(label=_("To"), coerce=int)
    building = forms.CharField(
        label=_("Only one building of the compound (e.g. 11栋)"), max_length=20, required=False
    )
    title = forms.CharField(label=_("Title"), max_length=80)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 5}), max_length=2000)
    valid_from = forms.DateTimeField(label=_("Valid from"), widget=DATETIME_INPUT)
    valid_until = forms.DateTimeField(label=_("Valid until"), widget=DATETIME_INPUT)
    by_sms = forms.BooleanField(
        label=_("Also by text message (to residents who asked for texts)"), required=False
    )

    def __init__(self, *args, places=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.places = {place.pk: place for place in places}
        self.fields["place"].choices = [
            (place.pk, f"{INDENT.get(place.kind, '')}{place.name}") for place in places
        ]

    def clean(self):
        data = super().clean()
        place = self.places.get(data.get("place"))
        building = (data.get("building") or "").strip()
        if place is not None and building:
            if place.kind != PlaceKind.COMPOUND:
                self.add_error("building", _("Choose the compound first, then name its building."))
            else:
                name = building if building.endswith("栋") else f"{building}栋"
                found = Place.objects.filter(parent=place, kind=PlaceKind.BUILDING, name=name).first()
                if found is None:
                    self.add_error("building", _("No such building in this compound."))
                place = found
        data["target"] = place
        return data


class TextsForm(forms.Form):
    texts = forms.BooleanField(label=_("Also send me area notices by text message"), required=False)
