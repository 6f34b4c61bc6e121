"""The grid worker's day in the street (DESIGN §15): patrols with check-ins, household visits
(走访 / 民情日志) on the cadence the community sets, and problems fixed on the spot (自行处置)."""
