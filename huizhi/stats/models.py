"""The statistics' read model (issue 15, "fast at scale"): what a case contributes to the figures,
kept per case, and those contributions summed per day and per month.

- `CaseFact`: one row per case with everything the case rates read of it — its place, category,
  unit, state, deadlines, and the times that live in its timeline (the first decision, the latest
  result, the reached call-back, the working time to accept and to fix). A keeper of the case
  loop's outbound seam rewrites it with every event, in the event's transaction
  (`huizhi.stats.rollups.keep_case_figures`).
- `DailyFigures`: the contributions of every case summed per (day, place, community, grid,
  category, handling unit, patrol reporter); the day is the one of the timestamp that puts the case
  in each count (reported → `created_at`, due to close → `handle_due_at` …, see
  `rollups.contributions`). A change of a case adds its new contribution and takes away its old.
- `MonthlyFigures`: the same sums per (month, community, category, unit), so a street-year reads
  a few thousand rows instead of the year's cases; `MonthlyGridFigures` per (month, grid, unit,
  patrol reporter) for the grids' and grid workers' rankings.
- `RollupState`: whether the roll-ups are complete (made by `manage.py stats_rollup --rebuild`),
  and when; until then every figure is read from the cases.

The columns of the two roll-ups are the counts of `metrics.CaseCounts` (same names), and the
reports per source and per present state.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from huizhi.cases.models import Case
from huizhi.cases.states import Source, Status

# The counts behind every case rate: metrics.CaseCounts has a field of each name.
CASE_COUNT_COLUMNS = (
    "reported",
    "accept_due",
    "accepted_in_time",
    "due",
    "handled_in_time",
    "closed",
    "closed_in_time",
    "closed_in_period",
    "reworked",
    "rated",
    "satisfied",
    "basically_satisfied",
    "unsatisfied",
    "rated_by_callback",
    "satisfied_by_callback",
    "basically_satisfied_by_callback",
    "unsatisfied_by_callback",
    "hotline_accept_due",
    "hotline_responded",
    "hotline_rated",
    "hotline_resolved",
    "hotline_satisfied",
)
SOURCE_COLUMNS = {source: f"source_{source}" for source in Source.values}
STATE_COLUMNS = {status: f"state_{status}" for status in Status.values}
COUNT_COLUMNS = (*CASE_COUNT_COLUMNS, *SOURCE_COLUMNS.values(), *STATE_COLUMNS.values())

# How much of a place code each roll-up keeps: down to the grid for the daily sums (so a street,
# community or grid is a range of it), down to the community for the monthly ones.
DAILY_CODE_LENGTH = 15
MONTHLY_CODE_LENGTH = 12

# The dimensions are plain ids with 0 for "none" (not nullable foreign keys): a unique constraint
# treats NULLs as distinct, and the keeper's additive upsert needs every key to collide.
DAILY_KEY = ("day", "area_code", "community_id", "grid_id", "category_id", "unit_id", "reporter_id")
MONTHLY_KEY = ("month", "area_code", "community_id", "category_id", "unit_id")
MONTHLY_GRID_KEY = ("month", "area_code", "community_id", "grid_id", "unit_id", "reporter_id")


class CaseFact(models.Model):
    case = models.OneToOneField(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, primary_key=True, related_name="stats_fact"
    )
    area_code = models.CharField(_("place code (to the grid)"), max_length=DAILY_CODE_LENGTH)
    community_id = models.IntegerField(_("community"), default=0)
    grid_id = models.IntegerField(_("grid"), default=0)
    category_id = models.IntegerField(_("category"), default=0)
    unit_id = models.IntegerField(_("handling unit"), default=0)
    # Only for cases found on patrol: the grid workers' ranking counts what each found.
    reporter_id = models.IntegerField(_("patrol reporter"), default=0)
    source = models.CharField(_("source"), max_length=16)
    status = models.CharField(_("status"), max_length=16)
    reworked = models.BooleanField(_("reworked"), default=False)
    created_at = models.DateTimeField(_("reported at"))
    accept_due_at = models.DateTimeField(_("accept by"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    handle_due_at = models.DateTimeField(_("handle by"), null=True, blank=True)
    handled_at = models.DateTimeField(_("result reported at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    rating = models.CharField(_("rating"), max_length=16, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    # The call-backs that reached someone, [[called_at (ISO), satisfaction], …]: the service lets
    # one stand, but every reached call-back is a rating, as the figures read from the cases count.
    callbacks = models.JSONField(_("reached call-backs"), default=list, blank=True)
    accept_seconds = models.FloatField(_("time to accept (s)"), null=True, blank=True)
    fix_seconds = models.FloatField(_("time to fix (s)"), null=True, blank=True)
    kept_at = models.DateTimeField(_("kept at"), db_index=True)

    class Meta:
        verbose_name = _("case figures (统计事实)")
        verbose_name_plural = _("case figures (统计事实)")
        indexes = [
            # The medians: a place's decided (closed) cases of a period read from the index alone.
            models.Index(fields=["area_code", "created_at", "accept_seconds"], name="stats_fact_accept_time"),
            models.Index(fields=["area_code", "closed_at", "fix_seconds"], name="stats_fact_fix_time"),
            # Today's figures: a place's facts with any of their timestamps from today on (the
            # place in each index: ANDed with a street's own index it read 80,000 entries).
            models.Index(fields=["created_at", "area_code"], name="stats_fact_created_area"),
            models.Index(fields=["accept_due_at", "area_code"], name="stats_fact_accept_due_area"),
            models.Index(fields=["handle_due_at", "area_code"], name="stats_fact_handle_due_area"),
            models.Index(fields=["closed_at", "area_code"], name="stats_fact_closed_area"),
            models.Index(fields=["rated_at", "area_code"], name="stats_fact_rated_area"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}"


class FiguresBase(models.Model):
    """The summed counts (COUNT_COLUMNS, added below) of a roll-up row."""

    area_code = models.CharField(_("place code"), max_length=DAILY_CODE_LENGTH)
    community_id = models.IntegerField(_("community"), default=0)
    # A default in the database too: MonthlyGridFigures (all categories) is written without it.
    category_id = models.IntegerField(_("category"), default=0, db_default=0)
    unit_id = models.IntegerField(_("handling unit"), default=0)

    class Meta:
        abstract = True


for _column in COUNT_COLUMNS:
    FiguresBase.add_to_class(_column, models.IntegerField(_column, default=0))


class DailyFigures(FiguresBase):
    day = models.DateField(_("day"))
    grid_id = models.IntegerField(_("grid"), default=0)
    reporter_id = models.IntegerField(_("patrol reporter"), default=0)

    class Meta:
        verbose_name = _("daily figures (日统计)")
        verbose_name_plural = _("daily figures (日统计)")
        constraints = [models.UniqueConstraint(fields=DAILY_KEY, name="stats_daily_key")]
        indexes = [models.Index(fields=["area_code", "day"], name="stats_daily_area_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.area_code}"


class MonthlyFigures(FiguresBase):
    month = models.DateField(_("month"))  # its first day

    class Meta:
        verbose_name = _("monthly figures (月统计)")
        verbose_name_plural = _("monthly figures (月统计)")
        constraints = [models.UniqueConstraint(fields=MONTHLY_KEY, name="stats_monthly_key")]
        indexes = [models.Index(fields=["area_code", "month"], name="stats_monthly_area_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.area_code}"


class MonthlyGridFigures(FiguresBase):
    """The same sums per (month, place code to the grid, grid, unit, patrol reporter), every
    category together (category_id is 0): the grids' and grid workers' rankings of a street-year
    read a few thousand rows of it."""

    month = models.DateField(_("month"))
    grid_id = models.IntegerField(_("grid"), default=0)
    reporter_id = models.IntegerField(_("patrol reporter"), default=0)

    class Meta:
        verbose_name = _("monthly figures by grid (网格月统计)")
        verbose_name_plural = _("monthly figures by grid (网格月统计)")
        constraints = [models.UniqueConstraint(fields=MONTHLY_GRID_KEY, name="stats_monthly_grid_key")]
        indexes = [models.Index(fields=["area_code", "month"], name="stats_monthly_grid_area_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.area_code}"


class RollupState(models.Model):
    """One row: the roll-ups are complete since `rebuilt_at` (kept with every case event since)."""

    rebuilt_at = models.DateTimeField(_("rebuilt at"))
    rebuilt_since = models.DateField(_("rebuilt from"), null=True, blank=True)
    seconds = models.FloatField(_("took (s)"), default=0)

    class Meta:
        verbose_name = _("roll-up state")
        verbose_name_plural = _("roll-up state")

    def __str__(self) -> str:
        return f"{self.rebuilt_at:%Y-%m-%d %H:%M}"
