from django import forms
from django.utils.translation import gettext_lazy as _

from huizhi.places.forms import PlaceChoiceField
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.registry import sheet
from huizhi.registry.services.privacy import REVEALABLE


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Residents sheet (.xlsx)"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"})
    )

    MAX_MB = 50

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_MB * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than %(mb)d MB.") % {"mb": self.MAX_MB})
        try:
            # Refused here, before a job is queued: what is not a workbook, and a zip bomb.
            sheet.check_upload(upload)
        except sheet.SheetError as error:
            raise forms.ValidationError(str(error)) from error
        return upload


class RevealForm(forms.Form):
    field = forms.ChoiceField(choices=[(f, f) for f in REVEALABLE], widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Why do you need the full value? (logged)"), max_length=200)


class ExportForm(forms.Form):
    reveal = forms.BooleanField(label=_("Include full ID numbers and mobiles"), required=False)
    reason = forms.CharField(
        label=_("Reason (required for full values; logged)"), max_length=200, required=False
    )


class ClaimForm(forms.Form):
    building = PlaceChoiceField(
        label=_("Building"),
        queryset=Place.objects.filter(kind=PlaceKind.BUILDING).select_related("parent").order_by("code"),
        search_scope="all",
        kinds="building",
    )
    room = forms.CharField(label=_("Room"), max_length=20)
    name = forms.CharField(label=_("Your full name as registered"), max_length=40)
