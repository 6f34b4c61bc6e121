"""Residency claims: a resident says where they live; community staff confirm it."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from huizhi.accounts.decorators import permission_page
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.registry.models import ResidencyClaim, Resident
from huizhi.registry.permissions import residency_claims_visible_to
from huizhi.registry.services.residency import ResidencyError, residency_claim, residency_decide


class ClaimForm(forms.Form):
    building = forms.ModelChoiceField(
        label=gettext_lazy("Building"),
        queryset=Place.objects.filter(kind=PlaceKind.BUILDING).select_related("parent").order_by("code"),
        empty_label=gettext_lazy("— choose —"),
    )
    room = forms.CharField(label=gettext_lazy("Room"), max_length=20)
    name = forms.CharField(label=gettext_lazy("Your full name as registered"), max_length=40)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].label_from_instance = lambda b: f"{b.parent.name} {b.name}"


@login_required(login_url="wall:login")
def my_home(request):
    form = ClaimForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                residency_claim(actor=request.user, **form.cleaned_data)
            except ResidencyError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Sent. Community staff will confirm it against the registry."))
                return redirect("registry:my_home")
    claims = ResidencyClaim.objects.filter(user=request.user).select_related("unit__parent__parent")
    return render(request, "registry/my_home.html", {"form": form, "claims": claims}, status=status)


@permission_page("registry.confirm_residency")
def claims(request):
    pending = list(
        residency_claims_visible_to(request.user)
        .filter(status=ResidencyClaim.Status.PENDING)
        .select_related("unit__parent__parent", "user")[:200]
    )
    residents = Resident.objects.filter(household__unit__in=[c.unit_id for c in pending], is_active=True)
    by_unit: dict[int, list[Resident]] = {}
    for resident in residents.select_related("household"):
        by_unit.setdefault(resident.household.unit_id, []).append(resident)
    rows = [(claim, by_unit.get(claim.unit_id, [])) for claim in pending]
    return render(request, "registry/claims.html", {"rows": rows})


@permission_page("registry.confirm_residency")
@require_POST
def decide(request, pk: int):
    resident_id = request.POST.get("resident", "")
    resident = Resident.objects.filter(pk=resident_id).first() if resident_id.isdigit() else None
    try:
        residency_decide(
            actor=request.user, claim_id=pk, resident=resident, reason=request.POST.get("reason", "")
        )
    except ResidencyError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Saved."))
    return redirect("registry:claims")
