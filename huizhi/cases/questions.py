"""The extra answers a subclass asks for when it is reported (Open311's service attributes).

A subclass keeps its questions as data (`Category.questions`), so the street adds one without a
release: e.g. 下水管道堵塞 asks whether sewage is overflowing onto the road, which decides how fast
the crew goes. Answers are checked here, once, and kept on the report's timeline event.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

from huizhi.core.errors import Refusal

# Open311's datatypes that a report can answer (datetime is not asked by any of ours).
DATATYPES = ("string", "number", "text", "singlevaluelist", "multivaluelist")
MAX_ANSWER = 500


@dataclass(frozen=True)
class Question:
    code: str
    description: str
    datatype: str
    required: bool
    values: tuple[tuple[str, str], ...]  # (key, name) for the list datatypes
    order: int

    @property
    def names(self) -> dict[str, str]:
        return dict(self.values)


def questions_of(category) -> list[Question]:
    """The subclass's questions in order; malformed entries (hand-edited data) are skipped."""
    questions = []
    for order, raw in enumerate(category.questions or [], start=1):
        if not isinstance(raw, dict) or raw.get("datatype") not in DATATYPES or not raw.get("code"):
            continue
        values = tuple(
            (str(v.get("key")), str(v.get("name"))) for v in raw.get("values") or [] if isinstance(v, dict)
        )
        questions.append(
            Question(
                code=str(raw["code"]),
                description=str(raw.get("description", "")),
                datatype=raw["datatype"],
                required=bool(raw.get("required")),
                values=values,
                order=order,
            )
        )
    return questions


def clean_answers(category, given: Mapping[str, list[str]]) -> list[dict]:
    """[{"code", "question", "answer"}] for the report's event, from the answers given by code
    (each a list of strings; one for every datatype but multivaluelist). A Refusal names the
    question for a missing required answer, an unknown code or a value not on its list."""
    questions = {q.code: q for q in questions_of(category)}
    if unknown := sorted(set(given) - set(questions)):
        raise Refusal(
            _("%(service)s asks no question %(code)s.") % {"service": category.name, "code": unknown[0]},
            field=f"attribute[{unknown[0]}]",
        )
    answers = []
    for question in questions.values():
        values = [v.strip() for v in given.get(question.code, []) if v and v.strip()]
        field = f"attribute[{question.code}]"
        if not values:
            if question.required:
                raise Refusal(
                    _("Answer “%(question)s” (%(field)s).")
                    % {"question": question.description, "field": field},
                    field=field,
                )
            continue
        if question.datatype != "multivaluelist" and len(values) > 1:
            raise Refusal(_("%(field)s takes one answer.") % {"field": field}, field=field)
        if question.datatype in ("singlevaluelist", "multivaluelist"):
            if wrong := [v for v in values if v not in question.names]:
                raise Refusal(
                    _("“%(value)s” is not one of the answers to %(field)s.")
                    % {"value": wrong[0], "field": field},
                    field=field,
                )
            answer = "、".join(question.names[v] for v in values)
        elif question.datatype == "number":
            try:
                float(values[0])
            except ValueError:
                raise Refusal(_("%(field)s is a number.") % {"field": field}, field=field) from None
            answer = values[0]
        else:
            answer = values[0]
        if len(answer) > MAX_ANSWER or "<" in answer:
            raise Refusal(_("%(field)s is too long or not plain text.") % {"field": field}, field=field)
        answers.append({"code": question.code, "question": question.description, "answer": answer})
    return answers
