import unicodedata

from huizhi.intake import trainingdata
from huizhi.intake.learnercommand import LearnerCommand
from huizhi.intake.services.training import routing_fit


def _width(text: str) -> int:
    """Columns on a terminal: a hanzi takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(LearnerCommand):
    help = (
        "Category suggestions' learner. `fit [FILE]` trains from a sheet (title, text, label or "
        "标题, 内容, 分类) or, without one, from closed cases — run it nightly from cron; "
        "`evaluate FILE --folds 5` measures the learner on a sheet by stratified cross-validation."
    )
    fit_help = "Train and put the model in use."
    evaluate_help = "Stratified k-fold cross-validation on a sheet."

    def add_fit_arguments(self, parser):
        parser.add_argument("file", nargs="?", help=".csv or .xlsx; without it, the database's closed cases")

    def add_evaluate_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--seed", type=int, default=0)

    def fit(self, options):
        result = routing_fit(path=options.get("file"))
        row = result.row
        self.stdout.write(
            f"model {row.pk}: {row.examples} examples, {len(row.labels)} labels, from {row.source}, "
            f"{result.seconds:.1f} s"
        )
        if result.unmapped_labels:
            shown = ", ".join(result.unmapped_labels[:10])
            self.stdout.write(
                self.style.WARNING(
                    f"{len(result.unmapped_labels)} labels name no active subclass (by code or name) and "
                    f"will never be suggested: {shown}"
                )
            )

    def evaluate(self, folds, options):
        examples, ev = self.cross_validate(
            trainingdata.read_file(options["file"]), folds, seed=options["seed"]
        )
        self.stdout.write(f"{len(examples)} examples, {len(ev.per_label)} labels, {folds}-fold stratified")
        width = max(_width(label) for label, *_ in [*ev.per_label, ("label",)])
        self.stdout.write(f"{_pad('label', width)}  precision  recall     f1  support")
        for label, precision, recall, f1, support in ev.per_label:
            self.stdout.write(
                f"{_pad(label, width)}  {precision:9.3f}  {recall:6.3f}  {f1:5.3f}  {support:7d}"
            )
        self.stdout.write(f"accuracy={ev.accuracy:.3f}")
        self.stdout.write(f"top3_accuracy={ev.top3:.3f}")
        self.stdout.write(f"macro_f1={ev.macro_f1:.3f}")
