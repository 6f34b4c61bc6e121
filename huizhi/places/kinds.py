from django.db import models
from django.utils.translation import gettext_lazy as _


class PlaceKind(models.TextChoices):
    DISTRICT = "district", _("district")
    STREET = "street", _("street")
    COMMUNITY = "community", _("community")
    GRID = "grid", _("grid")
    COMPOUND = "compound", _("compound")
    BUILDING = "building", _("building")
    UNIT = "unit", _("household unit")


class OrganisationKind(models.TextChoices):
    PARTY_COMMITTEE = "party_committee", _("community party committee")
    GRID_PARTY_BRANCH = "grid_party_branch", _("grid party branch")
    PROPERTY_COMPANY = "property_company", _("property company")
    OWNERS_COMMITTEE = "owners_committee", _("owners' committee")
    MEMBER_UNIT = "member_unit", _("member unit of the 大党委")
    TWO_NEW = "two_new", _("“两新” organisation")
    SERVICE_OPERATOR = "service_operator", _("service operator")
    REPAIR_CREW = "repair_crew", _("repair crew")
    DEPARTMENT = "department", _("department")
    REPRESENTATIVE_STUDIO = "representative_studio", _("representative's studio")
