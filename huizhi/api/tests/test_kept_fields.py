"""The API's model serializers build their fields from the model once per class (DRF builds them at
every instantiation: ~2.5 ms a case) and give each use its own copy."""

import pytest
from rest_framework import serializers as drf

from huizhi.api.serializers import CaseDetailSerializer, CaseSerializer

pytestmark = pytest.mark.no_demo


@pytest.fixture
def built(monkeypatch):
    calls = []
    original = drf.ModelSerializer.build_field

    def counting(self, *args, **kwargs):
        calls.append(type(self).__name__)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(drf.ModelSerializer, "build_field", counting)
    for cls in (CaseSerializer, CaseDetailSerializer):
        monkeypatch.delattr(cls, "_kept_fields", raising=False)
    return calls


def test_fields_are_built_once_per_class_and_each_use_has_its_own(built):
    first = CaseDetailSerializer()
    assert first.fields and built, "the first use builds them from the model"
    del built[:]
    second = CaseDetailSerializer()
    assert list(second.fields) == list(first.fields)
    assert built == [], "the second use copies them"
    # Each use binds its own copies: a field's parent is the serializer that uses it.
    assert second.fields["status"] is not first.fields["status"]
    assert second.fields["status"].parent is second and first.fields["status"].parent is first


def test_a_subclass_keeps_its_own_fields_not_its_parents(built):
    assert "timeline" not in CaseSerializer().fields
    assert "timeline" in CaseDetailSerializer().fields
    assert "timeline" not in CaseSerializer().fields
