"""The grid worker's day in the street (DESIGN §15): patrols with check-ins, household visits
(走访 / 民情日志) on the cadence the community sets — a need met on a visit becoming, in the same
step, a case, a home-service request to the care station or a topic for consultation — and problems fixed on the spot (自行处置)."""
