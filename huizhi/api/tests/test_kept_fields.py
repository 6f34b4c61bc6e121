"""The API's model serializers build their fields from the model once per class (DRF builds them at
every instantiation: ~2.5 ms a case) and give each use its own copy."""

import pytest
from rest_framework import serializers as drf

from huizhi.api.serializers import CaseDetailSerializer, CaseSerializer, KeptFields
from huizhi.cases.models import Case

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


def test_a_use_binds_its_copies_and_never_the_kept_fields(built):
    """Plain fields are copied shallow (binding sets only their own attributes); the kept ones stay
    unbound however many uses bind theirs, and each use's source path is its own."""
    uses = [CaseSerializer(), CaseSerializer()]
    for use in uses:
        assert use.fields["category"].source_attrs == ["category", "code"]
        assert use.fields["category"].parent is use
    kept = CaseSerializer._kept_fields
    assert all(getattr(field, "parent", None) is None for field in kept.values()), "the kept fields are bound"
    assert uses[0].fields["category"] is not uses[1].fields["category"] is not kept["category"]


class _Photo(drf.Serializer):
    url = drf.CharField()


class _WithInnerFields(KeptFields, drf.ModelSerializer):
    """A serializer whose fields hold other fields bound to them."""

    tags = drf.ListField(child=drf.CharField())
    photos = _Photo(many=True, read_only=True)

    class Meta:
        model = Case
        fields = ["title", "tags", "photos"]


def test_a_field_holding_bound_fields_is_copied_deep():
    """A list's child and a nested serializer's fields are bound to the field that holds them: a
    shallow copy would leave them bound to the kept one, whose root has no request."""
    first, second = _WithInnerFields(context={"n": 1}), _WithInnerFields(context={"n": 2})
    for use, n in ((first, 1), (second, 2)):
        assert use.fields["tags"].child.parent is use.fields["tags"]
        assert use.fields["photos"].child.parent is use.fields["photos"]
        assert use.fields["photos"].child.context == {"n": n}
