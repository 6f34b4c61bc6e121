from django.core.management.base import BaseCommand, CommandError

from huizhi.core.errors import Refusal
from huizhi.intake import textmodel, trainingdata
from huizhi.wall import spamscore


class Command(BaseCommand):
    help = (
        "The wall's learnt spam score. `fit` trains it on the moderators' decisions (held posts "
        "rejected: spam; published: not) and puts it in use — run it nightly from cron; "
        "`evaluate --folds 5` measures it on those decisions by stratified cross-validation first."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("fit", help="Train on the moderation decisions and put the score in use.")
        evaluate = sub.add_parser("evaluate", help="Stratified k-fold cross-validation on the decisions.")
        evaluate.add_argument("--folds", type=int, default=5)

    def handle(self, *args, action: str, **options):
        try:
            if action == "fit":
                result = spamscore.spam_model_fit()
                self.stdout.write(
                    f"model {result.row.pk}: {result.spam} spam, {result.ham} ham, {result.seconds:.1f} s; "
                    f"posts scored {spamscore.HOLD_AT:.2f} or more are held for a moderator"
                )
            else:
                self._evaluate(options["folds"])
        except Refusal as refusal:
            raise CommandError(refusal.message) from refusal

    def _evaluate(self, folds: int) -> None:
        if folds < 2:
            raise CommandError("--folds must be 2 or more")
        examples = trainingdata.check(spamscore.moderation_examples(), folds=folds)
        ev = textmodel.cross_validate(examples.titles, examples.texts, examples.labels, folds=folds)
        for label, precision, recall, f1, support in ev.per_label:
            self.stdout.write(
                f"{label:5}  precision={precision:.3f}  recall={recall:.3f}  f1={f1:.3f}  n={support}"
            )
        self.stdout.write(f"macro_f1={ev.macro_f1:.3f}")
