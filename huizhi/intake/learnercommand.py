"""The command a learnt model is run by (`huizhi routing`, `huizhi wall_spam`): `fit` trains it and
puts it in use, `evaluate --folds K` measures it first by stratified cross-validation."""

from django.core.management.base import BaseCommand, CommandError

from huizhi.core.errors import Refusal
from huizhi.intake import textmodel, trainingdata


class LearnerCommand(BaseCommand):
    """A subclass says what `fit` and `evaluate` do and print; a Refusal is the command's error."""

    fit_help = ""
    evaluate_help = ""

    def add_fit_arguments(self, parser) -> None:
        pass

    def add_evaluate_arguments(self, parser) -> None:
        pass

    def fit(self, options: dict) -> None:
        raise NotImplementedError

    def evaluate(self, folds: int, options: dict) -> None:
        raise NotImplementedError

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        self.add_fit_arguments(sub.add_parser("fit", help=self.fit_help))
        evaluate = sub.add_parser("evaluate", help=self.evaluate_help)
        evaluate.add_argument("--folds", type=int, default=5)
        self.add_evaluate_arguments(evaluate)

    def handle(self, *args, action: str, **options):
        try:
            if action == "fit":
                self.fit(options)
            else:
                folds = options["folds"]
                if folds < 2:
                    raise CommandError("--folds must be 2 or more")
                self.evaluate(folds, options)
        except Refusal as refusal:
            raise CommandError(refusal.message) from refusal

    @staticmethod
    def cross_validate(
        examples, folds: int, seed: int = 0
    ) -> tuple[trainingdata.Examples, textmodel.Evaluation]:
        """The examples, checked to fill `folds` folds, and the learner's scores on them."""
        examples = trainingdata.check(examples, folds=folds)
        ev = textmodel.cross_validate(
            examples.titles, examples.texts, examples.labels, folds=folds, seed=seed
        )
        return examples, ev
