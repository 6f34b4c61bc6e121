"""Is this report one already made? Open cases (and, through a registered finder, wall items) of the
same community that read alike, lie near and are recent.

Similarity is the cosine of character-bigram counts, the title counted twice: bigrams need no word
list and catch "下水道堵了" against "下水堵塞". Each open case's counts are packed once, when it is
reported, into its CaseSignature row (kept by `keep_signatures`, intake's outbound subscriber: a
moment after the report where a task worker keeps it, and dropped when the case closes); a lookup
reads the community's recent rows through their index and scores them all at once with numpy,
then reads only the few cases it offers from the case table."""

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.db.models import QuerySet
from django.utils import timezone

from huizhi.cases.models import Case
from huizhi.core.hooks import Subscribers
from huizhi.intake.textmodel import normalise
from huizhi.places.codes import CODE_RULES
from huizhi.places.distance import NEARBY_METRES, distance_m
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place

RECENT_DAYS = 30
SIMILAR = 0.45  # cosine at or above which two reports near each other are offered as the same
SIMILAR_ANYWHERE = 0.7  # without a place to compare (a report placed only at its community)
BODY_CHARS = 200
MAX_CANDIDATES = 2000
LIMIT = 5


def shingles(title: str, text: str = "") -> Counter:
    """Character bigrams of the title (counted twice) and the start of the body, spaces and
    punctuation dropped."""
    counts: Counter = Counter()
    for part, weight in ((title, 2), (text[: BODY_CHARS * 2], 1)):
        chars = [ch for ch in normalise(part, BODY_CHARS if weight == 1 else None) if ch.isalnum()]
        for i in range(len(chars) - 1):
            counts[chars[i] + chars[i + 1]] += weight
    return counts


def pack(counts: Counter) -> bytes:
    """Bigram counts as bytes: one int64 per bigram, its two code points (21 bits each) above a
    16-bit count, sorted. Exact (no hashing), ~8 bytes a bigram."""
    keys = np.array([(ord(k[0]) << 21) | ord(k[1]) for k in counts], dtype=np.int64)
    values = np.minimum(np.fromiter(counts.values(), dtype=np.int64, count=len(counts)), 0xFFFF)
    return np.sort((keys << 16) | values).tobytes()


def cosines(mine: Counter, packed: Sequence[bytes]) -> np.ndarray:
    """The cosine of `mine` against each packed signature (as `cosine` gives), in one pass."""
    if not packed:
        return np.zeros(0)
    mine_keys = np.array(sorted((ord(k[0]) << 21) | ord(k[1]) for k in mine), dtype=np.int64)
    by_key = {(ord(k[0]) << 21) | ord(k[1]): n for k, n in mine.items()}
    mine_counts = np.array([by_key[k] for k in mine_keys.tolist()], dtype=np.float64)
    lengths = np.fromiter((len(b) // 8 for b in packed), dtype=np.int64, count=len(packed))
    every = np.frombuffer(b"".join(packed), dtype=np.int64)
    owner = np.repeat(np.arange(len(packed)), lengths)
    keys, counts = every >> 16, (every & 0xFFFF).astype(np.float64)
    at = np.minimum(np.searchsorted(mine_keys, keys), len(mine_keys) - 1)
    hit = mine_keys[at] == keys
    dot = np.bincount(owner[hit], weights=counts[hit] * mine_counts[at[hit]], minlength=len(packed))
    norms = np.sqrt(np.bincount(owner, weights=counts * counts, minlength=len(packed)))
    mine_norm = math.sqrt(float(mine_counts @ mine_counts))
    with np.errstate(invalid="ignore", divide="ignore"):
        scores = dot / (norms * mine_norm)
    return np.nan_to_num(scores, nan=0.0, posinf=0.0)


def cosine(a: Counter, b: Counter) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(n * b.get(k, 0) for k, n in a.items())
    return dot / math.sqrt(sum(n * n for n in a.values()) * sum(n * n for n in b.values()))


def similarity(title_a: str, text_a: str, title_b: str, text_b: str) -> float:
    """0–1: how alike two reports read."""
    return cosine(shingles(title_a, text_a), shingles(title_b, text_b))


@dataclass
class Where:
    """Where a report is, as far as it is known: its community (required to compare at all), its
    compound's code and its point."""

    community: Place
    compound_code: str | None = None
    lon: float | None = None
    lat: float | None = None

    def near(self, compound_code: str | None, lon: float | None, lat: float | None) -> bool | None:
        """True when in the same compound or within NEARBY_METRES, False when known to be apart,
        None when nothing can be compared."""
        if self.compound_code and compound_code and self.compound_code == compound_code:
            return True
        if None not in (self.lon, self.lat, lon, lat):
            return distance_m(self.lon, self.lat, lon, lat) <= NEARBY_METRES
        return None


@dataclass
class Duplicate:
    kind: str  # "case" or "wall"
    pk: int
    reference: str
    title: str
    place_name: str
    created_at: datetime
    similarity: float
    supports: int
    url: str
    # Where "support this one instead" posts: intake's case support, or the wall's own support.
    support_url: str = ""
    # A wall item made a case names it, so the case and its item are offered once, as the case.
    case_id: int | None = None

    @classmethod
    def offer(
        cls,
        kind: str,
        item,
        *,
        created_at: datetime,
        similarity: float,
        supports: int,
        url_name: str,
        support_url_name: str,
        case_id: int | None,
    ) -> "Duplicate":
        """An offered case or wall item (`item`: its row, place read with it), linked to its page
        (`url_name`) and to where a support of it is posted (`support_url_name`)."""
        from django.urls import reverse

        return cls(
            kind=kind,
            pk=item.pk,
            reference=item.reference,
            title=item.title,
            place_name=item.place.name,
            created_at=created_at,
            similarity=similarity,
            supports=supports,
            url=reverse(url_name, args=[item.pk]),
            support_url=reverse(support_url_name, args=[item.pk]),
            case_id=case_id,
        )

    def as_json(self) -> dict:
        return {
            "kind": self.kind,
            "id": self.pk,
            "reference": self.reference,
            "title": self.title,
            "place": self.place_name,
            "created_at": self.created_at.isoformat(),
            "similarity": round(self.similarity, 3),
            "supports": self.supports,
            "url": self.url,
            "support_url": self.support_url,
        }


# Finders of higher apps (the wall's posts): called as finder(shingles, where, since) and returning
# Duplicate rows; intake cannot import them, so they register here when their app is ready.
Finder = Callable[[Counter, Where, datetime], list[Duplicate]]
finders = Subscribers()


def locate_where(place: Place | None, lon: float | None = None, lat: float | None = None) -> Where | None:
    """The Where of a place and/or point, or None when no community can be found."""
    if place is None and None not in (lon, lat):
        from huizhi.places.selectors import grid_for_point

        place = grid_for_point(lon, lat)
    if place is None:
        return None
    community_code = place.ancestor_code(PlaceKind.COMMUNITY)
    community = Place.objects.filter(code=community_code).first() if community_code else None
    if community is None:
        return None
    return Where(
        community=community,
        compound_code=place.ancestor_code(PlaceKind.COMPOUND),
        lon=lon if lon is not None else place.lon,
        lat=lat if lat is not None else place.lat,
    )


def accepts(score: float, near: bool | None) -> bool:
    if near is False:
        return False
    return score >= (SIMILAR if near else SIMILAR_ANYWHERE)


def compound_of_code(code: str) -> str | None:
    """The compound part of a place code, None for a place above compounds."""
    length = CODE_RULES[PlaceKind.COMPOUND][1]
    return code[:length] if len(code) >= length else None


def find_duplicates(
    title: str,
    text: str = "",
    *,
    place: Place | None = None,
    lon: float | None = None,
    lat: float | None = None,
    days: int = RECENT_DAYS,
    limit: int = LIMIT,
    exclude_case: int | None = None,
    cases: QuerySet[Case] | None = None,
) -> list[Duplicate]:
    """Open cases and registered items (wall posts) of the report's own community, probably the
    same problem: alike in text, near (same compound or within 250 m), reported in the last `days`.
    Most alike first. Nothing for a report without a community or with too little text.
    `cases`: the cases the asker may see (all by default); a resident is offered none of others'."""
    where = locate_where(place, lon, lat)
    mine = shingles(title, text)
    if where is None or sum(mine.values()) < 3:
        return []
    since = timezone.now() - timedelta(days=days)
    found = _open_cases(mine, where, since, exclude_case, Case.objects.all() if cases is None else cases)
    offered_cases = {d.case_id for d in found}
    for finder in finders:
        found.extend(
            d for d in finder(mine, where, since) if d.case_id is None or d.case_id not in offered_cases
        )
    found.sort(key=lambda d: (-d.similarity, -d.created_at.timestamp()))
    return found[:limit]


def _open_cases(
    mine: Counter, where: Where, since: datetime, exclude: int | None, cases: QuerySet[Case]
) -> list[Duplicate]:
    from huizhi.intake.models import CaseSignature

    # The community's newest signatures: one short range of (community_code, created_at).
    rows = list(
        CaseSignature.objects.filter(community_code=where.community.code, created_at__gte=since)
        .exclude(case_id=exclude)
        .order_by("-created_at")
        .values_list("case_id", "compound_code", "lon", "lat", "signature")[:MAX_CANDIDATES]
    )
    scores = cosines(mine, [bytes(row[4]) for row in rows])
    kept: dict[int, float] = {}
    for row, score in zip(rows, scores.tolist(), strict=True):
        if score < SIMILAR:  # below the lowest bar whatever the place says
            continue
        if accepts(score, where.near(row[1] or None, row[2], row[3])):
            kept[row[0]] = score
    if not kept:
        return []
    # The signatures are a copy: what is offered is read again, open, recent and visible to the asker.
    found = list(
        cases.open()
        .filter(pk__in=kept, created_at__gte=since)
        .select_related("place")
        .only("id", "title", "place__name", "created_at")
    )
    supports = _supports({c.pk for c in found})
    return [
        Duplicate.offer(
            "case",
            case,
            created_at=case.created_at,
            similarity=kept[case.pk],
            supports=supports.get(case.pk, 0),
            url_name="cases:detail",
            support_url_name="intake:support",
            case_id=case.pk,
        )
        for case in found
    ]


# What signature_of gives, and a later event rewrites.
SIGNATURE_FIELDS = ["community_code", "compound_code", "lon", "lat", "created_at", "signature"]


def signature_of(case: Case) -> dict | None:
    """The CaseSignature fields of an open case, None when it is placed above any community."""
    length = CODE_RULES[PlaceKind.COMMUNITY][1]
    if len(case.place_code) < length:
        return None
    return {
        "community_code": case.place_code[:length],
        "compound_code": compound_of_code(case.place_code) or "",
        "lon": case.lon,
        "lat": case.lat,
        "created_at": case.created_at,
        "signature": pack(shingles(case.title, case.description)),
    }


def keep_signatures(events) -> None:
    """Outbound subscriber, in batches: an open case has its signature (written on its report,
    rewritten on any later event, so a reopened or re-placed case is current); a closed one has
    none. Each case as the events carry it (as it is now: see outbound.subscribe_in_batches), once
    however many of its events come together."""
    from huizhi.intake.models import CaseSignature

    cases = {event.case.pk: event.case for event in events}
    kept = {pk: signature_of(case) if case.is_open else None for pk, case in cases.items()}
    gone = [pk for pk, fields in kept.items() if fields is None]
    if gone:
        CaseSignature.objects.filter(case_id__in=gone).delete()
    rows = [CaseSignature(case_id=pk, **fields) for pk, fields in sorted(kept.items()) if fields is not None]
    if rows:
        # One upsert for them all: update_or_create read each row, then wrote it inside two
        # savepoints of its own (six round trips on every step of an open case).
        CaseSignature.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["case"], update_fields=SIGNATURE_FIELDS
        )


def _supports(case_ids: set[int], *, with_merged: bool = True) -> dict[int, int]:
    """Per case: people who supported it instead of filing, plus (`with_merged`) the cases merged
    into it — each of those a reporter who saw the same problem."""
    from django.db.models import Count

    from huizhi.intake.models import CaseSupport

    if not case_ids:
        return {}
    counts: Counter = Counter()
    for row in CaseSupport.objects.filter(case_id__in=case_ids).values("case_id").annotate(n=Count("id")):
        counts[row["case_id"]] += row["n"]
    merged = Case.objects.filter(merged_into_id__in=case_ids) if with_merged else Case.objects.none()
    for row in merged.values("merged_into_id").annotate(n=Count("id")):
        counts[row["merged_into_id"]] += row["n"]
    return dict(counts)
