from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "huizhi.intake"
    label = "intake"
    verbose_name = _("smart intake")

    def ready(self) -> None:
        from huizhi.cases import outbound
        from huizhi.intake.duplicates import keep_signature
        from huizhi.intake.services.suggestions import record_on_report

        # Every filed case, whatever path filed it, is compared with what the learner would have
        # suggested: cases never import intake, so intake hears of reports through the seam.
        outbound.subscribe(record_on_report)
        # The duplicate lookup's copy of each open case (a subscriber, not a keeper: a hint must
        # never stop a report; a missing row only means one duplicate not offered).
        outbound.subscribe(keep_signature)

        from django.db.models.signals import post_delete, post_save

        from huizhi.cases.models import Category
        from huizhi.intake.models import CategoryKeywords

        # The suggestions' kept catalog follows every write of its rows, whoever writes them (the
        # category services, the admin, the demo loader).
        for model in (Category, CategoryKeywords):
            post_save.connect(
                _catalog_changed, sender=model, dispatch_uid=f"intake-catalog-save-{model.__name__}"
            )
            post_delete.connect(
                _catalog_changed, sender=model, dispatch_uid=f"intake-catalog-del-{model.__name__}"
            )


def _catalog_changed(**_kwargs) -> None:
    from django.db import transaction

    from huizhi.intake.services.suggestions import catalog

    catalog.drop()  # this process reads its own write at once, committed or not
    transaction.on_commit(catalog.changed)  # the others at their next check
