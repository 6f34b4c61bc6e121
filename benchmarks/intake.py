"""Smart intake benchmark (issue 17). Prints figures; asserts nothing about time.

    .venv/bin/python benchmarks/intake.py [--train 20000] [--candidates 500] [--requests 500]

- macro-F1 (5-fold stratified, as `huizhi routing evaluate`) of the evaluation set
  huizhi/intake/evaluation/citizen_messages.csv, and the harder figure with whole hand-written
  problems held out (GroupKFold on its `problem` column);
- training time for N closed cases: N messages drawn from the evaluation set's generator with new
  seeds (30 labels: each class split in four by problem), bodies ~150–400 characters;
- suggestion latency p50/p95 of the trained model (one report: segmentation, features, scores);
- duplicate comparison latency: one report against K open cases' stored signatures (the in-memory
  part of find_duplicates: one numpy pass);
- with --lookup-database postgres://…/h6c_dup [--signatures 1000000]: only find_duplicates itself,
  warm, against that many CaseSignature rows on PostgreSQL (built once and kept; see
  lookup_at_scale), p50/p95 and the plan of its index range.

Training time is wall-clock on the shared 2-core machine; the CPU seconds are printed beside it.
"""

import argparse
import csv
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "huizhi" / "intake" / "evaluation"))


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def lookup_at_scale(signatures: int, requests: int, rows: list[dict], texts: list[tuple]) -> dict:
    """find_duplicates against `signatures` CaseSignature rows on the database in use (built once,
    kept between runs): one real street from the test factories, one case cloned in SQL so that every
    signature has its case, and signatures spread over 500 communities and 60 days (the real
    community holds every 500th: ~1,000 of them in the 30-day window), their bigrams drawn from the
    generator's texts. Timed through the app's own function, warm."""
    from django.db import connection

    from huizhi.cases.models import Case
    from huizhi.intake.duplicates import compound_of_code, find_duplicates, pack, shingles
    from huizhi.intake.models import CaseSignature
    from huizhi.places.kinds import PlaceKind

    have = CaseSignature.objects.count()
    if have < signatures:
        from tests.factories import CaseFactory, small_street

        CaseSignature.objects.all().delete()
        template = Case.objects.filter(title="模板").order_by("id").first()  # the world of an earlier run
        if template is None:
            world = small_street()
            template = CaseFactory(
                place=world.building, category=world.category, actor=world.gridworker, title="模板"
            )
        building = template.place
        columns = [f.column for f in Case._meta.concrete_fields if f.column != "id"]
        listed = ", ".join(f'"{c}"' for c in columns)
        pool = [pack(shingles(title, text)) for title, text in texts]
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                # the columns are the model's own, never input
                f"INSERT INTO cases_case ({listed}) SELECT {listed} FROM cases_case, generate_series(1, %s) "  # noqa: S608
                "WHERE id = %s",
                [signatures, template.pk],
            )
            cursor.execute("CREATE TEMP TABLE h6c_pool (n int PRIMARY KEY, sig bytea)")
            cursor.executemany("INSERT INTO h6c_pool VALUES (%s, %s)", list(enumerate(pool)))
            cursor.execute("DELETE FROM intake_casesignature")
            cursor.execute(
                "INSERT INTO intake_casesignature (case_id, community_code, compound_code, lon, lat, created_at, signature) "
                "SELECT c.id, CASE WHEN c.id %% 500 = 0 THEN %s ELSE lpad((c.id %% 500)::text, 12, '9') END, "
                "%s, NULL, NULL, now() - (random() * interval '60 days'), p.sig "
                "FROM cases_case c JOIN h6c_pool p ON p.n = c.id %% %s WHERE c.id <> %s",
                [
                    building.ancestor_code(PlaceKind.COMMUNITY),
                    compound_of_code(building.code),
                    len(pool),
                    template.pk,
                ],
            )
            cursor.execute("ANALYZE intake_casesignature")
            cursor.execute("ANALYZE cases_case")
        print(f"  built {CaseSignature.objects.count()} signatures in {time.perf_counter() - started:.0f} s")
    building = Case.objects.filter(title="模板").order_by("id").first().place
    community_code = building.ancestor_code(PlaceKind.COMMUNITY)
    in_window = CaseSignature.objects.filter(
        community_code=community_code, created_at__gte=timezone.now() - timedelta(days=30)
    ).count()
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN SELECT case_id, signature FROM intake_casesignature WHERE community_code = %s "
            "AND created_at >= now() - interval '30 days' ORDER BY created_at DESC LIMIT 2000",
            [community_code],
        )
        plan = " / ".join(r[0].strip() for r in cursor.fetchall()[:3])
    timings, offered = [], 0
    for i in range(requests + 5):
        row = rows[i % len(rows)]
        started = time.perf_counter()
        found = find_duplicates(row["title"], row["text"], place=building)
        if i >= 5:  # warm-up
            timings.append((time.perf_counter() - started) * 1000)
            offered += len(found)
    return {
        "signatures": CaseSignature.objects.count(),
        "in_window": in_window,
        "plan": plan,
        "p50": statistics.median(timings),
        "p95": percentile(timings, 95),
        "offered": offered / len(timings),
    }


def main() -> None:
    import os

    parser = argparse.ArgumentParser()
    parser.add_argument("--train", type=int, default=20000)
    parser.add_argument("--candidates", type=int, default=500)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--lookup-database", help="postgres://… : measure find_duplicates there")
    parser.add_argument("--signatures", type=int, default=1_000_000)
    args = parser.parse_args()
    if args.lookup_database:
        from benchmarks.common import use_database

        use_database(args.lookup_database)
    else:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
    import numpy as np
    from make_citizen_messages import make_rows  # noqa: E402

    from huizhi.intake import duplicates, textmodel

    path = ROOT / "huizhi" / "intake" / "evaluation" / "citizen_messages.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    titles, texts, labels = ([r[k] for r in rows] for k in ("title", "text", "label"))
    if args.lookup_database:
        generated = [(t, x) for seed in range(100, 106) for t, x, _l, _p in make_rows(seed=seed)]
        at = lookup_at_scale(args.signatures, args.requests, rows, generated)
        print(
            f"duplicate lookup (find_duplicates, PostgreSQL): {at['signatures']} open-case signatures, "
            f"{at['in_window']} of them the community's last 30 days; p50 {at['p50']:.1f} ms, "
            f"p95 {at['p95']:.1f} ms; {at['offered']:.1f} offered a lookup"
        )
        print(f"  plan: {at['plan']}")
        return
    started = time.perf_counter()
    ev = textmodel.cross_validate(titles, texts, labels, folds=5)
    cv_seconds = time.perf_counter() - started

    from sklearn.metrics import f1_score
    from sklearn.model_selection import GroupKFold

    groups = [r["problem"] for r in rows]
    predicted = [""] * len(rows)
    for train, test in GroupKFold(5).split(np.zeros(len(rows)), labels, groups):
        model = textmodel.fit(
            [titles[i] for i in train], [texts[i] for i in train], [labels[i] for i in train]
        )
        probs = model.predict([titles[i] for i in test], [texts[i] for i in test])
        for row, i in enumerate(test):
            predicted[i] = model.labels[int(np.argmax(probs[row]))]
    grouped_f1 = f1_score(labels, predicted, average="macro")

    # N training examples: the generator with other seeds; label = class + problem quarter (30 labels).
    big = []
    seed = 100
    while len(big) < args.train:
        for title, text, label, problem in make_rows(seed=seed):
            big.append((title, text, f"{label}-{int(problem.rsplit('-', 1)[1]) % 4 + (label == '城乡建设')}"))
        seed += 1
    big = big[: args.train]
    started, cpu = time.perf_counter(), time.process_time()
    model = textmodel.fit([b[0] for b in big], [b[1] for b in big], [b[2] for b in big])
    train_seconds, train_cpu = time.perf_counter() - started, time.process_time() - cpu
    size = len(model.dumps())

    model = textmodel.TextModel.loads(model.dumps())
    timings = []
    for i in range(args.requests):
        title, text, _label = rows[i % len(rows)]["title"], rows[i % len(rows)]["text"], None
        started = time.perf_counter()
        model.ranked(title, text)
        timings.append((time.perf_counter() - started) * 1000)

    # What find_duplicates does with the rows it reads: one numpy pass over the packed signatures.
    packed = [duplicates.pack(duplicates.shingles(b[0], b[1])) for b in big[: args.candidates]]
    dup_timings = []
    for i in range(min(args.requests, 200)):
        started = time.perf_counter()
        mine = duplicates.shingles(rows[i % len(rows)]["title"], rows[i % len(rows)]["text"])
        duplicates.cosines(mine, packed)
        dup_timings.append((time.perf_counter() - started) * 1000)
    # Before signatures were stored, each lookup cut every candidate's text again: that cost.
    started = time.perf_counter()
    for b in big[: args.candidates]:
        duplicates.shingles(b[0], b[1])
    shingle_ms = (time.perf_counter() - started) * 1000

    print(f"evaluation set: {len(rows)} messages, {len(set(labels))} labels")
    print(
        f"  5-fold stratified: accuracy {ev.accuracy:.3f}, top-3 {ev.top3:.3f}, macro-F1 {ev.macro_f1:.3f} ({cv_seconds:.1f} s)"
    )
    print(f"  problems held out (GroupKFold 5): macro-F1 {grouped_f1:.3f}")
    print(
        f"training: {len(big)} cases, {len(model.labels)} labels: {train_seconds:.1f} s ({train_cpu:.1f} s CPU), model {size / 1e6:.1f} MB"
    )
    print(f"suggestion: p50 {statistics.median(timings):.2f} ms, p95 {percentile(timings, 95):.2f} ms")
    print(
        f"duplicates: {args.candidates} candidates compared in p50 {statistics.median(dup_timings):.2f} ms, "
        f"p95 {percentile(dup_timings, 95):.2f} ms (signatures stored; cutting their texts again would add "
        f"{shingle_ms:.1f} ms)"
    )
    print(f"macro_f1={ev.macro_f1:.3f}")


if __name__ == "__main__":
    main()
