"""Distances on the ground, for "what else is open nearby" (DESIGN §5, §9): one rule for the wall's
nearby items and the API's nearby cases."""

import math

NEARBY_METRES = 250  # "within about 250 m": the same problem seen by a neighbour
_METRES_PER_DEGREE = 111_320


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine); plenty exact at a street's scale."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(min(1.0, a)))  # rounding can put a a hair above 1


def box_around(lon: float, lat: float, metres: float) -> tuple[tuple[float, float], tuple[float, float]]:
    """(lon range, lat range) of a box holding every point within `metres`: an indexable first cut
    before the exact distance."""
    dlat = metres / _METRES_PER_DEGREE
    dlon = dlat / max(0.1, math.cos(math.radians(lat)))
    return (lon - dlon, lon + dlon), (lat - dlat, lat + dlat)
