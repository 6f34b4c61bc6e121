"""Point → grid: the STRtree index (huizhi.places.gridindex) against a linear scan of the polygons.

Run: .venv/bin/python benchmarks/grid_lookup.py [--grids-per-row 60] [--rows 40] [--points 200000]

No database: the index is built straight from synthetic rows shaped like the grid table's
(id, code, GeoJSON polygon). The lattice is 60 × 40 = 2,400 irregular quadrilaterals around
118.33 E, 32.31 N (each vertex of a regular lattice moved at random, shared by its neighbours, so
the grids tile without gaps or overlaps). Points are drawn uniformly over a box a little larger
than the lattice, so some fall in no grid. This prints figures; it asserts no timing.
"""

import argparse
import random
import sys
import time

import shapely

from huizhi.places.gridindex import GridIndex

CENTRE_LON, CENTRE_LAT = 118.33, 32.31
CELL_LON, CELL_LAT = 0.004, 0.0035  # the demo street's cell
JITTER = 0.3  # each vertex moves up to 30% of a cell either way: quadrilaterals stay simple
MARGIN = 0.05  # the point box reaches 5% past the lattice on every side


def lattice(columns: int, rows: int, rng: random.Random) -> tuple[list[tuple[int, str, dict]], list]:
    """(id, code, GeoJSON Polygon) rows for a columns × rows lattice, and its inner vertices."""
    west = CENTRE_LON - columns * CELL_LON / 2
    south = CENTRE_LAT - rows * CELL_LAT / 2
    vertex = {}
    for i in range(columns + 1):
        for j in range(rows + 1):
            # The outer boundary stays straight; inside, every vertex is jittered once and shared.
            dx = rng.uniform(-JITTER, JITTER) if 0 < i < columns else 0.0
            dy = rng.uniform(-JITTER, JITTER) if 0 < j < rows else 0.0
            vertex[i, j] = (round(west + (i + dx) * CELL_LON, 7), round(south + (j + dy) * CELL_LAT, 7))
    grids = []
    for j in range(rows):
        for i in range(columns):
            ring = [vertex[i, j], vertex[i + 1, j], vertex[i + 1, j + 1], vertex[i, j + 1], vertex[i, j]]
            # Community = row (3 digits under the street), grid = column (3 more), as the codes run.
            code = f"341102001{j + 1:03d}{i + 1:03d}"
            grids.append(
                (len(grids) + 1, code, {"type": "Polygon", "coordinates": [[list(p) for p in ring]]})
            )
    inner = [vertex[i, j] for i in range(1, columns) for j in range(1, rows)]
    return grids, inner


def random_points(count: int, columns: int, rows: int, rng: random.Random) -> list[tuple[float, float]]:
    half_lon = columns * CELL_LON / 2 * (1 + MARGIN)
    half_lat = rows * CELL_LAT / 2 * (1 + MARGIN)
    return [
        (
            rng.uniform(CENTRE_LON - half_lon, CENTRE_LON + half_lon),
            rng.uniform(CENTRE_LAT - half_lat, CENTRE_LAT + half_lat),
        )
        for _ in range(count)
    ]


class LinearScan:
    """The obvious alternative: test every polygon, in code order, until one holds the point."""

    def __init__(self, grids: list[tuple[int, str, dict]], prepared: bool):
        rows = sorted(grids, key=lambda row: row[1])  # code order, so a tie goes to the lowest code
        self.ids = [row[0] for row in rows]
        self.polygons = [shapely.geometry.shape(row[2]) for row in rows]
        if prepared:
            shapely.prepare(self.polygons)

    def lookup(self, lon: float, lat: float) -> int | None:
        point = shapely.Point(lon, lat)
        for grid_id, polygon in zip(self.ids, self.polygons, strict=True):
            if polygon.intersects(point):
                return grid_id
        return None


def timed(lookup, points) -> tuple[list, float, float]:
    """The answers, and the wall-clock and CPU seconds they took (CPU time is what the lookups
    themselves cost when other processes share the machine's cores)."""
    lookup(*points[0])  # warm up
    wall, cpu = time.perf_counter(), time.process_time()
    answers = [lookup(lon, lat) for lon, lat in points]
    return answers, time.perf_counter() - wall, time.process_time() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grids-per-row", type=int, default=60)
    parser.add_argument("--rows", type=int, default=40)
    parser.add_argument("--points", type=int, default=200_000, help="lookups through the index")
    parser.add_argument("--scan-points", type=int, default=2_000, help="lookups by linear scan")
    parser.add_argument("--seed", type=int, default=20250101)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    grids, inner_vertices = lattice(args.grids_per_row, args.rows, rng)
    points = random_points(args.points, args.grids_per_row, args.rows, rng)
    scan_points = points[: args.scan_points]

    started = time.perf_counter()
    index = GridIndex.build(grids)
    build_seconds = time.perf_counter() - started
    scans = {prepared: LinearScan(grids, prepared=prepared) for prepared in (False, True)}

    index_answers, *timed_index = timed(index.lookup, points)
    scan_results = {prepared: timed(scan.lookup, scan_points) for prepared, scan in scans.items()}

    # Same answers: the random sample, plus lattice vertices, where three or four grids meet
    # and only the tie rule (lowest code) decides.
    vertices = rng.sample(inner_vertices, min(200, len(inner_vertices)))
    sample = scan_points + vertices
    expected = scan_results[False][0] + [scans[False].lookup(lon, lat) for lon, lat in vertices]
    from_index = index_answers[: len(scan_points)] + [index.lookup(lon, lat) for lon, lat in vertices]
    from_prepared = scan_results[True][0] + [scans[True].lookup(lon, lat) for lon, lat in vertices]
    disagreements = [
        (point, want, got, prepared)
        for point, want, got, prepared in zip(sample, expected, from_index, from_prepared, strict=True)
        if not want == got == prepared
    ]

    rows = [("STRtree index (GridIndex.lookup)", len(points), *timed_index)]
    for prepared, label in ((False, "linear scan, plain polygons"), (True, "linear scan, prepared polygons")):
        rows.append((label, len(scan_points), *scan_results[prepared][1:]))
    index_wall_rate, index_cpu_rate = len(points) / timed_index[0], len(points) / timed_index[1]

    hits = sum(answer is not None for answer in index_answers)
    print(
        f"Grid lookup: {len(grids):,} grids ({args.grids_per_row} × {args.rows} irregular quadrilaterals "
        f"around {CENTRE_LON} E, {CENTRE_LAT} N); index built in {build_seconds * 1000:.0f} ms"
    )
    print(f"{hits / len(points):.1%} of the random points fall in a grid; the rest in none.\n")
    header = f"{'method':<32} {'lookups':>8} {'wall s':>7} {'CPU s':>7} {'lookups/s':>10} {'per CPU s':>10}"
    print(header + f" {'speed-up':>9}")
    print("-" * 87)
    for label, count, wall, cpu in rows:
        print(
            f"{label:<32} {count:>8,} {wall:>7.3f} {cpu:>7.3f} {count / wall:>10,.0f} {count / cpu:>10,.0f}"
            f" {index_cpu_rate / (count / cpu):>8.1f}×"
        )
    print("-" * 87)
    print("lookups/s is by the wall clock; speed-up compares lookups per CPU second (the index's over")
    print("the method's). The scan tests polygons in code order and stops at the first that holds the point.")
    print(
        f"agreement: {len(sample) - len(disagreements):,} of {len(sample):,} sample points "
        f"({len(scan_points):,} random + {len(vertices)} shared vertices) give the same grid by all three"
    )
    verdict = "met" if index_wall_rate >= 20_000 else "NOT met by the wall clock"
    print(
        f"target ≥ 20,000 lookups/s through the index: {verdict} "
        f"({index_wall_rate:,.0f}/s wall, {index_cpu_rate:,.0f} per CPU second)"
    )
    for point, want, got, prepared in disagreements[:10]:
        print(f"  DISAGREE at {point}: scan {want}, index {got}, prepared scan {prepared}", file=sys.stderr)
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
