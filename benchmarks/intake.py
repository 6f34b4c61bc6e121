"""Smart intake benchmark (issue 17). Prints figures; asserts nothing about time.

    .venv/bin/python benchmarks/intake.py [--train 20000] [--candidates 500] [--requests 500]

- macro-F1 (5-fold stratified, as `huizhi routing evaluate`) of the evaluation set
  huizhi/intake/evaluation/citizen_messages.csv, and the harder figure with whole hand-written
  problems held out (GroupKFold on its `problem` column);
- training time for N closed cases: N messages drawn from the evaluation set's generator with new
  seeds (30 labels: each class split in four by problem), bodies ~150–400 characters;
- suggestion latency p50/p95 of the trained model (one report: segmentation, features, scores);
- duplicate comparison latency: one report against K open cases of its community (the in-Python
  part of find_duplicates; the query before it is a range of the open-cases index).
"""

import argparse
import csv
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "huizhi" / "intake" / "evaluation"))


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    import numpy as np
    from make_citizen_messages import make_rows  # noqa: E402

    from huizhi.intake import duplicates, textmodel

    parser = argparse.ArgumentParser()
    parser.add_argument("--train", type=int, default=20000)
    parser.add_argument("--candidates", type=int, default=500)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()

    path = ROOT / "huizhi" / "intake" / "evaluation" / "citizen_messages.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    titles, texts, labels = ([r[k] for r in rows] for k in ("title", "text", "label"))
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
    started = time.perf_counter()
    model = textmodel.fit([b[0] for b in big], [b[1] for b in big], [b[2] for b in big])
    train_seconds = time.perf_counter() - started
    size = len(model.dumps())

    model = textmodel.TextModel.loads(model.dumps())
    timings = []
    for i in range(args.requests):
        title, text, _label = rows[i % len(rows)]["title"], rows[i % len(rows)]["text"], None
        started = time.perf_counter()
        model.ranked(title, text)
        timings.append((time.perf_counter() - started) * 1000)

    candidates = [duplicates.shingles(b[0], b[1]) for b in big[: args.candidates]]
    dup_timings = []
    for i in range(min(args.requests, 200)):
        started = time.perf_counter()
        mine = duplicates.shingles(rows[i % len(rows)]["title"], rows[i % len(rows)]["text"])
        for other in candidates:
            duplicates.cosine(mine, other)
        dup_timings.append((time.perf_counter() - started) * 1000)
    # find_duplicates computes the candidates' shingles on the fly: add that cost too.
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
        f"training: {len(big)} cases, {len(model.labels)} labels: {train_seconds:.1f} s, model {size / 1e6:.1f} MB"
    )
    print(f"suggestion: p50 {statistics.median(timings):.2f} ms, p95 {percentile(timings, 95):.2f} ms")
    print(
        f"duplicates: {args.candidates} candidates compared in p50 {statistics.median(dup_timings):.2f} ms, "
        f"p95 {percentile(dup_timings, 95):.2f} ms; their shingles {shingle_ms:.1f} ms"
    )
    print(f"macro_f1={ev.macro_f1:.3f}")


if __name__ == "__main__":
    main()
