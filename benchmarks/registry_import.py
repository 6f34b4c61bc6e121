"""Registry import benchmark (issue: registry of people and homes). Prints figures; asserts no timing.

    .venv/bin/python benchmarks/registry_import.py [--rows 100000] [--requests 30] [--profile]
        [--no-analyze] [--no-dimension] [--mixed-residence]

Uses HUIZHI_DATABASE_URL when set (e.g. postgres://postgres@127.0.0.1:5432/huizhi_bench), otherwise a
fresh SQLite file in the temporary folder. It loads the demo street, writes an .xlsx of N fictional
residents in the template's columns, spread over every building of 花园街社区 (about 1% bad rows: a
wrong check digit, an unknown building, a birth date that is not the ID's, a mobile that is not a
mainland mobile, an ID number twice in the file), then measures as community staff `huayuan_staff`:
  - writing the file (the community's side, not part of the target);
  - registry_import() of the N rows (the targets: under 60 s; 30 s on PostgreSQL for city scale), in rows per second;
  - the same file imported again (idempotent: nothing created or updated);
  - the resident list page /console/registry/residents/ with the N residents present, as community staff
    and as street leadership: median and p95 over R requests, and the queries per request.
--profile runs both imports under cProfile (slower) and prints where their time goes, step by step.
--no-analyze leaves SQLite without table statistics (by default it ANALYZEs after the demo, as `demo`
does); --no-dimension writes the sheet without its <dimension> (openpyxl then parses it twice);
--mixed-residence lets a household's rows disagree on 居住情况. Exits 1 when the counts are wrong or
the second import changed anything.
"""

import argparse
import cProfile
import io
import os
import pstats
import random
import resource
import sys
import time
import zipfile
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import setup_django, time_page  # noqa: E402

REGION = "341103"  # not the demo's 341102, so no generated number can be a demo resident's
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = (
    "建国秀英桂兰玉珍德华志强丽娟海燕国庆文军小红子涵一诺浩然欣怡梓萱宇轩雨桐俊杰淑芬凤英长林春生金花明辉晓东"
)
RELATIONSHIPS = ("户主", "配偶", "子女", "父母", "孙子女")
TAGS = ("", "", "", "", "", "党员", "独居", "空巢", "残疾", "低保", "志愿者", "退役军人")
BAD_KINDS = ("check_digit", "building", "birth_date", "mobile", "duplicate")
BAD_EVERY = 100  # one bad row in a hundred


def _name(rng: random.Random) -> str:
    given = rng.randrange(0, len(GIVEN), 2)
    return rng.choice(SURNAMES) + GIVEN[given : given + 2]


def sheet_rows(count: int, buildings: list[tuple[str, str]], seed: int = 11, mixed_residence: bool = False):
    """(rows, bad row count): N rows of the template's columns as communities fill them in.

    Households of 1-5 people take consecutive rows in rooms like 3单元502; each building gets its
    share. Every BAD_EVERY-th row is made bad in one of BAD_KINDS' ways. A household's rows agree on
    居住情况 unless `mixed_residence` (then about half of its members' rows say 人户分离).
    """
    from huizhi.registry.idnumber import make_id_number

    rng = random.Random(seed)
    today = date.today()
    sequences: dict[date, int] = {}
    rows, bad, previous_id = [], 0, None
    rooms = {b: 0 for b in buildings}
    household_left, compound, building, room = 0, "", "", ""
    for i in range(count):
        if household_left == 0:
            compound, building = buildings[rng.randrange(len(buildings))]
            rooms[(compound, building)] += 1
            n = rooms[(compound, building)]
            room = f"{n // 200 + 1}单元{(n % 200) // 4 + 1}{n % 4 + 1:02d}"
            household_left = rng.choice((1, 2, 2, 3, 3, 3, 4, 5))
            relationship = "户主"
            residence = "户籍人口，在本地居住" if rng.random() < 0.85 else "人户分离"
        else:
            relationship = rng.choice(RELATIONSHIPS[1:])
        household_left -= 1
        birth = today - timedelta(days=rng.randint(0, 95 * 365))
        while sequences.get(birth, 0) >= 500:  # 3-digit sequence: 500 per birth date and gender
            birth -= timedelta(days=1)
        sequence = sequences[birth] = sequences.get(birth, 0) + 1
        gender = rng.choice("MF")
        id_number = make_id_number(REGION, birth, sequence - 1, gender)
        adult = (today - birth).days >= 18 * 365
        row = [
            compound,
            building,
            room,
            _name(rng),
            "男" if gender == "M" else "女",
            birth,  # a real date cell, as Excel keeps what people type as a date
            id_number,
            f"1391{i:07d}" if adult else "",
            relationship,
            residence if not mixed_residence or rng.random() < 0.5 else "人户分离",
            rng.choice(TAGS) if adult else "",
        ]
        if i % BAD_EVERY == BAD_EVERY - 1:
            bad += 1
            kind = BAD_KINDS[(i // BAD_EVERY) % len(BAD_KINDS)]
            if kind == "check_digit":
                row[6] = id_number[:17] + ("0" if id_number[17] != "0" else "1")
            elif kind == "building":
                row[1] = "999栋"
            elif kind == "birth_date":
                row[5] = birth + timedelta(days=1)
            elif kind == "mobile":
                row[7] = "12345678901"
            else:
                row[6] = previous_id
        previous_id = id_number
        rows.append(row)
    return rows, bad


def write_sheet(rows: list[list], dimension: bool = True) -> bytes:
    """The rows as .xlsx. openpyxl's write-only mode leaves out the sheet's <dimension> (its used range),
    which Excel and WPS always write; without it openpyxl's reader parses the whole sheet once more
    to size it, so by default it is put in, as in the files communities send."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    from huizhi.registry.sheet import COLUMNS

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("居民")
    sheet.append([c.header for c in COLUMNS])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    if not dimension:
        return out.getvalue()
    used = f"A1:{get_column_letter(len(COLUMNS))}{len(rows) + 1}"
    fixed = io.BytesIO()
    with zipfile.ZipFile(out) as source, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(
                    b"<sheetViews>", f'<dimension ref="{used}" /><sheetViews>'.encode(), 1
                )
                assert b"<dimension " in content
            target.writestr(item, content)
    return fixed.getvalue()


# (title, file, function, only when called by) — the steps of registry_import worth timing.
PHASES = [
    ("reading the .xlsx (openpyxl, row by row)", "sheet.py", "records", None),
    ("checking each row (_validate)", "importing.py", "_validate", None),
    ("  ID numbers (parse_id_number)", "idnumber.py", "parse_id_number", None),
    ("  mobiles (normalize_mainland_mobile)", "mobile.py", "normalize_mainland_mobile", None),
    ("finding people already registered (_registered)", "importing.py", "_registered", None),
    ("saving (_save)", "importing.py", "_save", None),
    ("  households and units (_households)", "importing.py", "_households", None),
    ("  residents (bulk_create)", "query.py", "bulk_create", "_save"),
    ("  residents (bulk_update)", "query.py", "bulk_update", "_save"),
    ("the rejected rows' workbook", "sheet.py", "rejected_bytes", None),
]


def _phases(profiler: cProfile.Profile, label: str) -> None:
    """Cumulative seconds of the import's steps (cProfile's own overhead included)."""
    stats = pstats.Stats(profiler).stats
    total = max(
        ct for (_f, _l, name), (_cc, _nc, _tt, ct, _callers) in stats.items() if name == "registry_import"
    )
    print(
        f"\n{label}: where the time goes under cProfile ({total:.1f} s in all; indented steps are part of the one above)"
    )
    for title, file_name, function, caller in PHASES:
        seconds = 0.0
        for (path, _line, name), (_cc, _nc, _tt, ct, callers) in stats.items():
            if name != function or not path.endswith(file_name):
                continue
            if caller is None:
                seconds += ct
            else:  # only the time spent when called by `caller`
                seconds += sum(c_ct for key, (_c1, _c2, _c3, c_ct) in callers.items() if key[2] == caller)
        print(f"  {title:<46} {seconds:>7.1f} s {100 * seconds / total:>5.0f}%")


def run_import(actor, data: bytes, name: str, label: str, profile: bool = False):
    from huizhi.registry.services import registry_import

    profiler = cProfile.Profile() if profile else None
    start, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    job = registry_import(actor=actor, data=data, file_name=name)
    if profiler:
        profiler.disable()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    if profiler:
        _phases(profiler, label)
    return job, elapsed, cpu


def measure_upload(staff, data: bytes) -> tuple[float, float]:
    """The web request's share of an import: seconds, and the most memory Python allocated in it (MB).
    Tasks go to the database queue, as in production; the queued job is removed afterwards."""
    import tracemalloc

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client, override_settings
    from django_tasks_db.models import DBTaskResult

    from huizhi.registry.models import ImportJob

    client = Client()
    client.force_login(staff)
    upload = SimpleUploadedFile("bench.xlsx", data)
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        tracemalloc.start()
        start = time.perf_counter()
        response = client.post("/console/registry/import/", {"file": upload})
        seconds = time.perf_counter() - start
        _now, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert response.status_code == 302, response.status_code
    job = ImportJob.objects.get(status=ImportJob.Status.QUEUED)
    DBTaskResult.objects.all().delete()
    job.delete()
    return seconds, peak / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument(
        "--profile", action="store_true", help="run the imports under cProfile and print where the time goes"
    )
    parser.add_argument(
        "--mixed-residence",
        action="store_true",
        help="let the rows of one household disagree on 居住情况 (a re-import should still change nothing)",
    )
    parser.add_argument(
        "--no-dimension",
        action="store_true",
        help="leave out the sheet's <dimension> (as openpyxl's write-only mode does; Excel and WPS write it)",
    )
    parser.add_argument(
        "--no-analyze",
        action="store_true",
        help="import into tables SQLite has no statistics for (a fresh database; `demo` runs ANALYZE)",
    )
    args = parser.parse_args()
    setup_django("huizhi-bench-registry.sqlite3", os.environ.get("HUIZHI_DATABASE_URL"))

    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from huizhi.accounts.models import User
    from huizhi.registry.models import Resident
    from huizhi.registry.permissions import importable_buildings
    from huizhi.site.demo import load_demo

    setup_test_environment()
    started = time.perf_counter()
    load_demo()
    staff = User.objects.get(username="huayuan_staff")
    buildings = sorted((b.parent.name, b.name) for b in importable_buildings(staff).select_related("parent"))
    demo_residents = Resident.objects.count()
    if not args.no_analyze:
        with connection.cursor() as cursor:  # as `manage.py demo` leaves it (and autovacuum on PostgreSQL)
            cursor.execute("ANALYZE")
    print(
        f"database: {connection.vendor}{'' if args.no_analyze else ' (ANALYZEd after the demo)'}; demo loaded in {time.perf_counter() - started:.1f} s "
        f"({demo_residents} demo residents); importer huayuan_staff over {len(buildings)} buildings "
        f"in {len({c for c, _b in buildings})} compounds of 花园街社区"
    )

    start = time.perf_counter()
    rows, bad = sheet_rows(args.rows, buildings, mixed_residence=args.mixed_residence)
    generate_seconds = time.perf_counter() - start
    start = time.perf_counter()
    data = write_sheet(rows, dimension=not args.no_dimension)
    write_seconds = time.perf_counter() - start
    del rows
    print(
        f"sheet: {args.rows:,} rows ({bad:,} bad), {len(data) / 1e6:.1f} MB; people made up in "
        f"{generate_seconds:.1f} s, .xlsx written in {write_seconds:.1f} s"
    )

    upload_seconds, upload_peak = measure_upload(staff, data)
    print(
        f"upload through the page (checked, stored encrypted, queued for a worker): {upload_seconds:.2f} s, "
        f"{upload_peak:.0f} MB allocated at most in the request (the import below is the worker's)"
    )

    from huizhi.registry import sheet

    start, cpu = time.perf_counter(), time.process_time()
    _header, records = sheet.read_rows(data)
    read_count = sum(1 for _record in records)
    read_seconds, read_cpu = time.perf_counter() - start, time.process_time() - cpu

    first, first_seconds, first_cpu = run_import(staff, data, "bench.xlsx", "first import", args.profile)
    second, second_seconds, second_cpu = run_import(
        staff, data, "bench.xlsx", "same file again", args.profile
    )
    residents = Resident.objects.count()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(
        f"\n{'import (registry_import)':<26} {'seconds':>8} {'cpu s':>7} {'rows/s':>8} {'created':>8} "
        f"{'updated':>8} {'unchanged':>9} {'rejected':>8}"
    )
    for label, job, seconds, cpu in (
        ("first import", first, first_seconds, first_cpu),
        ("same file again", second, second_seconds, second_cpu),
    ):
        print(
            f"{label:<26} {seconds:>8.1f} {cpu:>7.1f} {job.total_rows / seconds:>8,.0f} {job.created:>8,} "
            f"{job.updated:>8,} {job.unchanged:>9,} {job.rejected:>8,}"
        )
    print(
        f"{'  of which reading .xlsx':<26} {read_seconds:>8.1f} {read_cpu:>7.1f}   ({read_count:,} rows, measured apart)"
    )
    print(
        f"target for the import: < 60 s (registry issue), ≤ 30 s on PostgreSQL (city scale). Residents in the database: {residents:,}; peak memory {peak:,.0f} MB"
    )
    problems = []
    if (first.created, first.rejected) != (args.rows - bad, bad):
        problems.append(f"first import: expected {args.rows - bad:,} created and {bad:,} rejected")
    if (second.created, second.updated, second.unchanged) != (0, 0, first.created):
        problems.append("the same file again changed something: the import is not idempotent")
    print(
        "\n".join(f"PROBLEM: {p}" for p in problems)
        or "counts as expected; the second import changed nothing"
    )
    sys.stdout.flush()

    with connection.cursor() as cursor:  # statistics for the tables as they are now (as autovacuum would)
        cursor.execute("ANALYZE")
    print(
        f"\n{'page (' + str(args.requests) + ' requests)':<52} {'median ms':>10} {'p95 ms':>10} {'queries':>8}"
    )
    for username, url in (
        ("huayuan_staff", "/console/registry/residents/"),
        ("street", "/console/registry/residents/"),
        ("huayuan_staff", "/console/registry/residents/?page=1000"),
        ("street", "/console/registry/residents/?tag=80%2B"),
    ):
        client = Client()
        client.force_login(User.objects.get(username=username))
        median, p95, queries = time_page(client, url, args.requests)
        name = f"{url.removeprefix('/console/registry')} as {username}"
        print(f"{name:<52} {median * 1000:>10.1f} {p95 * 1000:>10.1f} {queries:>8}")

    if problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
