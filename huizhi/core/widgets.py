"""Form widgets of our own, where Django's cost a page too much."""

from django import forms


class LongSelect(forms.Select):
    """A select that may hold a hundred options or more (a street's handling units): each option is
    written by this widget's one template, where Django's includes a template per option and
    another for its attributes — most of a city's case page. A select's option carries no
    attribute but `selected` (Select does not pass its own attributes down to its options), so
    the markup is the same."""

    template_name = "core/widgets/long_select.html"
