"""The services (our subclasses) a request may be filed under, and their definitions: the
questions a subclass asks (huizhi.cases.questions) as the spec's attributes."""

from django.db.models import QuerySet

from huizhi.cases.models import Category
from huizhi.cases.questions import questions_of


def open311_services() -> QuerySet[Category]:
    """The subclasses a request may be filed under: active, in an active class."""
    return Category.objects.filter(
        is_active=True, parent__isnull=False, parent__is_active=True
    ).select_related("parent")


def service_attributes(category: Category) -> list[dict]:
    return [
        {
            "variable": True,
            "code": question.code,
            "datatype": question.datatype,
            "required": question.required,
            "datatype_description": None,
            "order": question.order,
            "description": question.description,
            **({"values": [{"key": k, "name": n} for k, n in question.values]} if question.values else {}),
        }
        for question in questions_of(category)
    ]


def service_item(category: Category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.closing_condition or category.parent.name,
        "metadata": bool(category.questions),
        "type": "realtime",
        "keywords": ", ".join([category.name, category.parent.name, category.get_kind_display()]),
        "group": category.parent.name,
    }
