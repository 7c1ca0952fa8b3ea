"""The Evaluation panel: confusion matrix, mistakes gallery, precision-recall, embedding map, dead filters."""
from .panel import EvaluationPanel

__all__ = ["EvaluationPanel"]
