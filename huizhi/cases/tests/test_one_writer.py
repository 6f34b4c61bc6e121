"""One writer per table: a case changes only through the case services (CONVENTIONS), each of
which leaves a timeline event. This reads the source of every other module for writes to a case:
an assignment to one of Case's fields (`case.priority = …`), `setattr(case, …)`, a `save()` of a
case, and `update()` / `bulk_update()` on a case queryset (`Case.objects.filter(…).update(…)`,
`cases.update(status=…)`).

Left out: tests, migrations, the case services themselves with the pieces only they call on the
row they hold locked (the transitions' effects and the clocks, which never save), and the demo
loaders, which build every case's history through the services and only lay the timestamps out
afterwards (`_backdate`).
"""

import ast
import re
from pathlib import Path

from huizhi.cases.models import Case

ROOT = Path(__file__).resolve().parents[2]  # the huizhi package
EXCLUDED_DIRS = ("tests", "migrations")
EXCLUDED_TREES = ("cases/services/", "cases/effects.py", "cases/clocks.py", "core/demo/", "site/demo/")

CASE_FIELDS = frozenset(
    name
    for f in Case._meta.get_fields()
    if f.concrete and not f.auto_created
    for name in {f.name, getattr(f, "attname", f.name)}
)
# An expression naming a case: `case`, `the_case`, `post.case`, `decision.case`.
NAMES_A_CASE = re.compile(r"(^|[._])case$")
# A queryset of cases: `Case.objects…`, `cases`, `open_cases`, `case.…` chains.
NAMES_CASES = re.compile(r"^(Case\.objects|[a-z_]*cases?\b)")
QUERYSET_WRITES = ("update", "bulk_update", "update_or_create")


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if set(path.relative_to(ROOT).parts) & set(EXCLUDED_DIRS):
            continue
        if relative.startswith(EXCLUDED_TREES):
            continue
        yield relative, path


def _writes_in(source: str, relative: str) -> list[str]:
    found = []

    def flag(node, what):
        found.append(f"{relative}:{node.lineno}: {what}")

    for node in ast.walk(ast.parse(source)):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for element in target.elts if isinstance(target, ast.Tuple) else [target]:
                if (
                    isinstance(element, ast.Attribute)
                    and element.attr in CASE_FIELDS
                    and NAMES_A_CASE.search(ast.unparse(element.value))
                ):
                    flag(node, ast.unparse(element) + " = …")
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "setattr" and node.args:
            if NAMES_A_CASE.search(ast.unparse(node.args[0])):
                flag(node, ast.unparse(node))
        elif isinstance(func, ast.Attribute):
            receiver = ast.unparse(func.value)
            if (
                func.attr == "save"
                and NAMES_A_CASE.search(receiver)
                or func.attr in QUERYSET_WRITES
                and NAMES_CASES.search(receiver)
            ):
                flag(node, ast.unparse(node))
    return found


def case_writes_outside_services() -> list[str]:
    found = []
    for relative, path in _modules():
        found += _writes_in(path.read_text(encoding="utf-8"), relative)
    return found


def test_no_module_but_the_case_services_writes_a_case():
    found = case_writes_outside_services()
    assert not found, "Cases written outside huizhi/cases/services (call a case service):\n" + "\n".join(
        found
    )


def test_the_check_sees_each_kind_of_write():
    """The guard above can fail: each way of writing a case is seen, and reading one is not."""
    source = """
case.priority = 3
post.case.status, x = "closed", 1
case.handling_unit_id += 1
setattr(case, "level", "street")
case.save(update_fields=["priority"])
Case.objects.filter(pk=1).update(priority=2)
open_cases.update(status="closed")
Case.objects.bulk_update(rows, ["status"])
post.case = case
case.distance_m = 4
post.title = case.title
data.update(status="x")
case.refresh_from_db()
"""
    lines = [line.split(": ", 1)[0] for line in _writes_in(source, "x.py")]
    assert lines == [f"x.py:{n}" for n in (2, 3, 4, 5, 6, 7, 8, 9)]
