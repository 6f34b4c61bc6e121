"""The apps stand in layers, each importing only from those below it (docs/architecture.md).

An app may import only the apps on the rungs below its own: never one above, never a sibling on
its own rung. Every `import` and `from … import` counts, including those inside functions (a
deferred import is still a dependency) and relative ones; tests and migrations may reach
anywhere, so they are skipped.
"""

import ast
from pathlib import Path

import pytest

import huizhi

# Bottom to top. Apps that share a rung (registry and cases) are siblings: neither imports the other.
LAYERS = (
    ("core",),  # shared utilities that know no app
    ("places",),  # the place tree, codes and their arithmetic
    ("accounts",),  # users, and roles held over scopes
    ("registry", "cases"),  # people and homes; the case loop
    ("intake",),  # suggestions at filing, told of each report through cases.outbound
    ("wall",),  # what feeds the loop…
    ("care",),
    ("meetings",),  # …and what it serves (a meeting takes up wall posts)
    ("projects",),  # needs, resources and projects (a decision or a matched need becomes one)
    ("network",),  # the self-governance network and the helpers' own pages (read all of the above)
    ("fieldwork",),  # patrols, household visits, fixes on the spot (file cases, care requests, agenda items)
    ("notices",),  # area notices and following an area (reads the registry, told by the wall)
    ("api",),  # adapters over the domain
    ("stats",),  # read models (the stats API answers in the API's error schema)
    ("site",),  # the roof: navigation, console home, demo
)
RANK = {app: rank for rank, rung in enumerate(LAYERS) for app in rung}
SKIPPED_DIRECTORIES = {"tests", "migrations"}
PACKAGE = "huizhi"


def imported_modules(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in `tree`, the text of `module`: relative
    imports resolved, and `from huizhi import cases` read as huizhi.cases."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                # `.` is the package a module sits in, or a package's own __init__.
                anchor = module.split(".") if is_package else module.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            if base == PACKAGE:  # the names imported are the apps
                found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, base))
    return found


def app_of(module: str) -> str | None:
    """The app a dotted module name belongs to, or None when it is not one of ours."""
    parts = module.split(".")
    return parts[1] if parts[0] == PACKAGE and len(parts) > 1 and parts[1] in RANK else None


def upward_imports(source: str, *, path: str, module: str, is_package: bool = False) -> list[str]:
    """`path:line importer -> imported` for each import in `source` (the text of `module`) that
    reaches another app on its own rung or above it."""
    importer = app_of(module)
    if importer is None:  # huizhi/cli.py and huizhi/__init__.py stand above the apps, like config/
        return []
    return [
        f"{path}:{line} {module} -> {imported}"
        for line, imported in imported_modules(ast.parse(source), module, is_package)
        if (target := app_of(imported)) not in (None, importer) and RANK[target] >= RANK[importer]
    ]


def project_modules(root: Path):
    """(path, dotted name, is_package) of every module of the apps under `root`, tests and
    migrations aside."""
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root.parent)
        if SKIPPED_DIRECTORIES & set(relative.parts[:-1]):
            continue
        is_package = path.name == "__init__.py"
        parts = relative.with_suffix("").parts
        yield path, ".".join(parts[:-1] if is_package else parts), is_package


def test_every_app_has_a_place_in_the_order():
    root = Path(huizhi.__file__).parent
    apps = {p.name for p in root.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert apps - set(RANK) == set(), "put the new app in LAYERS (and in docs/architecture.md)"


def test_no_app_imports_one_above_it():
    root = Path(huizhi.__file__).parent
    offences = []
    for path, module, is_package in project_modules(root):
        offences += upward_imports(
            path.read_text(encoding="utf-8"),
            path=str(path.relative_to(root.parent)),
            module=module,
            is_package=is_package,
        )
    assert not offences, "imports that run up the layers:\n" + "\n".join(offences)


# --- the checker itself ----------------------------------------------------------------------------


def test_the_checker_finds_an_upward_import_and_names_it():
    source = "from huizhi.core import text\nfrom huizhi.accounts.scopes import scopes_of\n"
    assert upward_imports(source, path="huizhi/places/x.py", module="huizhi.places.x") == [
        "huizhi/places/x.py:2 huizhi.places.x -> huizhi.accounts.scopes"
    ]


@pytest.mark.parametrize(
    "source",
    [
        "import huizhi.cases.models",
        "from huizhi import cases",
        "from huizhi.cases import models",
        "def later():\n    from huizhi.cases.models import Case",
        "if True:\n    import huizhi.cases",
    ],
)
def test_the_checker_sees_every_form_of_import(source):
    offences = upward_imports(source, path="huizhi/core/x.py", module="huizhi.core.x")
    assert offences and all("-> huizhi.cases" in offence for offence in offences)


def test_the_checker_resolves_relative_imports():
    assert upward_imports("from ..cases import models", path="p", module="huizhi.core.x")
    assert upward_imports("from ...cases import models", path="p", module="huizhi.core.sub.x")
    assert upward_imports("from .. import cases", path="p", module="huizhi.core.x")
    assert not upward_imports("from . import text", path="p", module="huizhi.core.x")
    assert not upward_imports("from .text import mask", path="p", module="huizhi.core", is_package=True)


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("huizhi.site.views", "from huizhi.cases.models import Case"),  # downward
        ("huizhi.stats.api", "from huizhi.api.schema import ErrorSerializer"),  # api stands below stats
        ("huizhi.meetings.apps", "from huizhi.wall import outbound"),  # wall stands below meetings
        ("huizhi.places.x", "from huizhi.places.codes import subtree_q"),  # its own app
        ("huizhi.core.x", "from django.db import models\nimport site"),  # not ours
    ],
)
def test_the_checker_lets_downward_own_and_foreign_imports_pass(module, source):
    assert upward_imports(source, path="p", module=module) == []


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("huizhi.cases.x", "from huizhi.registry.models import Resident"),  # siblings on one rung
        ("huizhi.registry.x", "from huizhi.cases.models import Case"),
        ("huizhi.wall.x", "from huizhi.care.models import Visit"),  # care stands above wall
        ("huizhi.api.urls", "from huizhi.stats.api import StatsView"),  # stats stands above api
    ],
)
def test_the_checker_refuses_a_sibling_and_the_rung_above(module, source):
    assert upward_imports(source, path="p", module=module)
