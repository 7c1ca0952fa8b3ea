"""Where a network fails: one evaluation pass over a test split and what is drawn from it
(confusion matrix, mistakes, precision-recall curves, embedding map, dead filters). No Qt here."""
from .deadfilters import LAZY_FRACTION, FilterHealth, LayerFilterHealth, filter_health
from .embedding import Embedding, PCAProjection, embed, embed_images, fit_pca, project_input
from .export import class_table_csv, confusion_csv
from .mistakes import Mistake, cell_images, mistakes
from .prcurves import PRCurve, WorkedExample, class_curves, make_curve, worked_example
from .results import ChannelActivity, ClassScores, ConfusionMatrix, Evaluation, FeatureSample
from .run import (DEFAULT_BATCH, DEFAULT_EMBED_COUNT, EvaluationCancelled, EvaluationError, check_fit,
                  evaluate_model, load_test_split)

__all__ = [
    "ChannelActivity", "ClassScores", "ConfusionMatrix", "DEFAULT_BATCH", "DEFAULT_EMBED_COUNT", "Embedding",
    "Evaluation", "EvaluationCancelled", "EvaluationError", "FeatureSample", "FilterHealth", "LAZY_FRACTION",
    "LayerFilterHealth", "Mistake", "PCAProjection", "PRCurve", "WorkedExample", "cell_images", "check_fit",
    "class_curves", "class_table_csv", "confusion_csv", "embed", "embed_images", "evaluate_model",
    "filter_health", "fit_pca", "load_test_split", "make_curve", "mistakes", "project_input", "worked_example",
]
