from huizhi.intake.learnercommand import LearnerCommand
from huizhi.wall import spamscore


class Command(LearnerCommand):
    help = (
        "The wall's learnt spam score. `fit` trains it on the moderators' decisions (held posts "
        "rejected: spam; published: not) and puts it in use — run it nightly from cron; "
        "`evaluate --folds 5` measures it on those decisions by stratified cross-validation first."
    )
    fit_help = "Train on the moderation decisions and put the score in use."
    evaluate_help = "Stratified k-fold cross-validation on the decisions."

    def fit(self, options):
        result = spamscore.spam_model_fit()
        self.stdout.write(
            f"model {result.row.pk}: {result.spam} spam, {result.ham} ham, {result.seconds:.1f} s; "
            f"posts scored {spamscore.HOLD_AT:.2f} or more are held for a moderator"
        )

    def evaluate(self, folds, options):
        _examples, ev = self.cross_validate(spamscore.moderation_examples(), folds)
        for label, precision, recall, f1, support in ev.per_label:
            self.stdout.write(
                f"{label:5}  precision={precision:.3f}  recall={recall:.3f}  f1={f1:.3f}  n={support}"
            )
        self.stdout.write(f"macro_f1={ev.macro_f1:.3f}")
