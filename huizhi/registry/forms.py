from django import forms
from django.utils.translation import gettext_lazy as _

from huizhi.registry.services.privacy import REVEALABLE


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Residents sheet (.xlsx)"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"})
    )
    progress_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)

    MAX_MB = 50

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_MB * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than %(mb)d MB.") % {"mb": self.MAX_MB})
        return upload


class RevealForm(forms.Form):
    field = forms.ChoiceField(choices=[(f, f) for f in REVEALABLE], widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Why do you need the full value? (logged)"), max_length=200)


class ExportForm(forms.Form):
    reveal = forms.BooleanField(label=_("Include full ID numbers and mobiles"), required=False)
    reason = forms.CharField(
        label=_("Reason (required for full values; logged)"), max_length=200, required=False
    )
