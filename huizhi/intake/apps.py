from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "huizhi.intake"
    label = "intake"
    verbose_name = _("smart intake")

    def ready(self) -> None:
        from huizhi.cases import outbound
        from huizhi.cases.models import Category
        from huizhi.cases.states import Action
        from huizhi.intake.duplicates import keep_signatures
        from huizhi.intake.models import CategoryKeywords
        from huizhi.intake.services.suggestions import catalog, record_reports

        # Every filed case, whatever path filed it, is compared with what the learner would have
        # suggested: cases never import intake, so intake hears of reports through the seam.
        # In batches: the task worker keeps them, after the report's commit (huizhi.cases.outbound).
        outbound.subscribe_in_batches(record_reports, when=lambda event: event.action == Action.REPORT)
        # The duplicate lookup's copy of each open case (a subscriber, not a keeper: a hint must
        # never stop a report; a missing row only means one duplicate not offered).
        outbound.subscribe_in_batches(keep_signatures)
        # The suggestions' kept catalog follows every write of its rows.
        catalog.follows(Category, CategoryKeywords)
