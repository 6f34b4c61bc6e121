"""A form field for "which compound or building": typed, found near the phone, never a dropdown of
hundreds (DESIGN §15). The page's script fills the chosen place's id; without the script, or when
the person typed and did not pick, the typed words are resolved on the server by the same search.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from huizhi.places.models import Place
from huizhi.places.search import search_places

TYPED_SUFFIX = "_text"  # the visible box's name: `<field>_text`, beside the hidden `<field>` id


class PlacePicker(forms.Widget):
    """A search box, a "near me" button and a hidden id. It never lists its choices, so a street's
    891 places (or a city's 100,000) are never sent to the phone."""

    template_name = "places/widgets/place_picker.html"

    def __init__(self, attrs=None, search_scope: str = "", kinds: str = ""):
        super().__init__(attrs)
        self.search_scope = search_scope
        self.kinds = kinds
        self.queryset = Place.objects.none()

    def value_from_datadict(self, data, files, name):
        chosen = (data.get(name) or "").strip()
        typed = (data.get(name + TYPED_SUFFIX) or "").strip()
        # The typed words travel in the value so the field can resolve them, or say why it cannot.
        return chosen if chosen else (TypedPlace(typed) if typed else "")

    def value_omitted_from_data(self, data, files, name):
        return name not in data and name + TYPED_SUFFIX not in data

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        chosen, typed = None, ""
        if isinstance(value, TypedPlace):
            typed = str(value)
        elif value not in (None, ""):
            chosen = self.queryset.select_related("parent").filter(pk=_int_or_none(value)).first()
            typed = chosen.label if chosen else ""
        params = {"scope": self.search_scope, "kinds": self.kinds}
        query = "&".join(f"{k}={v}" for k, v in params.items() if v)
        context["widget"].update(
            {
                "chosen_id": chosen.pk if chosen else "",
                "typed": typed,
                "typed_name": name + TYPED_SUFFIX,
                "search_url": reverse("places:search") + (f"?{query}" if query else ""),
            }
        )
        return context


class TypedPlace(str):
    """Words typed into the place box without picking one of its suggestions."""


class PlaceChoiceField(forms.ModelChoiceField):
    """A compound or building of `queryset`, chosen in the picker or typed ("扬天 11")."""

    default_error_messages = {
        "not_found": _(
            "No compound or building is called “%(typed)s”. Try fewer words, or use your location."
        ),
        "ambiguous": _("“%(typed)s” could be several places: %(options)s. Pick one from the list."),
    }

    def __init__(self, queryset, *, search_scope: str = "", kinds: str = "", **kwargs):
        kwargs.setdefault("widget", PlacePicker(search_scope=search_scope, kinds=kinds))
        super().__init__(queryset, **kwargs)

    def _set_queryset(self, queryset):
        super()._set_queryset(queryset)
        self.widget.queryset = self.queryset

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)

    def to_python(self, value):
        if isinstance(value, TypedPlace):
            found = search_places(self.queryset, value, limit=6)
            if len(found) == 1:
                return found[0]
            if not found:
                raise ValidationError(
                    self.error_messages["not_found"], code="not_found", params={"typed": value}
                )
            options = "、".join(place.label for place in found[:5])
            raise ValidationError(
                self.error_messages["ambiguous"],
                code="ambiguous",
                params={"typed": value, "options": options},
            )
        return super().to_python(value)


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
