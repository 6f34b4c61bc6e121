"""Labelled examples for the learner: from an operator's sheet (.csv or .xlsx), or from the
database's closed cases."""

import csv
import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

from huizhi.cases.models import Case
from huizhi.cases.states import Outcome, Status
from huizhi.core.errors import Refusal
from huizhi.core.limits import ArchiveTooLarge, check_zip_archive

# Each column by its English name or the header a 12345 work-order export uses.
COLUMNS = {"title": ("title", "标题"), "text": ("text", "内容"), "label": ("label", "分类")}
MAX_UNCOMPRESSED_MB = 400
MAX_TEXT = 4000


@dataclass
class Examples:
    titles: list[str]
    texts: list[str]
    labels: list[str]

    def __len__(self) -> int:
        return len(self.labels)


def read_file(path: str | Path) -> Examples:
    """The examples of a .csv (UTF-8, with or without BOM, or GB18030) or .xlsx (first sheet);
    a Refusal naming the reason when they cannot be learnt from."""
    path = Path(path)
    if not path.is_file():
        raise Refusal(_("No such file: %(path)s") % {"path": path}, code="no_file")
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows(data)
    elif suffix in (".xlsx", ".xls", ".xlsm", ".ods"):
        rows = _workbook_rows(data)
    else:
        raise Refusal(_("Give a .csv or .xlsx file."), code="bad_file")
    return check(_examples(rows))


def _csv_rows(data: bytes) -> list[list]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise Refusal(_("The file is neither UTF-8 nor GB18030 text."), code="bad_file")
    return list(csv.reader(io.StringIO(text)))


def _workbook_rows(data: bytes) -> list[list]:
    try:
        check_zip_archive(io.BytesIO(data), max_uncompressed=MAX_UNCOMPRESSED_MB * 1024 * 1024)
        return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    except ArchiveTooLarge as error:
        raise Refusal(
            _("This workbook unpacks to more than %(mb)d MB.") % {"mb": MAX_UNCOMPRESSED_MB}, code="bad_file"
        ) from error
    except (CalamineError, ValueError, OSError, IndexError) as error:
        raise Refusal(_("This file is not a workbook that can be read."), code="bad_file") from error


def _examples(rows: list[list]) -> Examples:
    if not rows:
        raise Refusal(_("The file is empty."), code="bad_file")
    header = [str(h or "").strip().lstrip("\ufeff").lower() for h in rows[0]]
    positions, missing = {}, []
    for key, names in COLUMNS.items():
        found = [header.index(n) for n in names if n in header]
        if found:
            positions[key] = found[0]
        else:
            missing.append(" / ".join(names))
    if missing:
        raise Refusal(
            _("The file is missing these columns: %(columns)s (it has: %(header)s).")
            % {"columns": ", ".join(missing), "header": ", ".join(h for h in header if h) or "—"},
            code="missing_columns",
        )
    out = Examples([], [], [])

    def cell(row, key):
        i = positions[key]
        value = row[i] if i < len(row) else ""
        return "" if value is None else str(value).strip()[:MAX_TEXT]

    for row in rows[1:]:
        label = cell(row, "label")
        if not label:
            continue  # an unlabelled row teaches nothing
        out.titles.append(cell(row, "title"))
        out.texts.append(cell(row, "text"))
        out.labels.append(label)
    return out


def check(examples: Examples, folds: int = 2) -> Examples:
    """Refused unless there are 2 labels or more, each with at least 2 rows (and as many as the
    folds of a cross-validation, when one is asked for)."""
    counts = Counter(examples.labels)
    if len(counts) < 2:
        raise Refusal(
            _("At least 2 different labels are needed to learn; the file has %(n)d.") % {"n": len(counts)},
            code="too_few_labels",
        )
    need = max(2, folds)
    thin = sorted(label for label, n in counts.items() if n < need)
    if thin:
        raise Refusal(
            _("Every label needs at least %(n)d rows; these have fewer: %(labels)s.")
            % {"n": need, "labels": ", ".join(f"{label} ({counts[label]})" for label in thin[:20])},
            code="thin_label",
        )
    return examples


def from_database(limit: int | None = None) -> Examples:
    """Closed cases, newest first: title and description → the subclass the case ended with. Cases
    closed as duplicates or invalid are left out: their category was never confirmed by work."""
    cases = (
        Case.objects.filter(status=Status.CLOSED)
        .exclude(outcome__in=[Outcome.DUPLICATE, Outcome.INVALID])
        .order_by("-closed_at", "-id")
        .values_list("title", "description", "category__code")
    )
    if limit:
        cases = cases[:limit]
    out = Examples([], [], [])
    for title, description, code in cases.iterator(chunk_size=5000):
        out.titles.append(title)
        out.texts.append(description)
        out.labels.append(code)
    return out
