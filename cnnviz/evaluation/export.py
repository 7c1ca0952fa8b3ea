"""An evaluation's tables as CSV text (numbers written in full, so they read back exactly)."""
from __future__ import annotations

import csv
import io
from typing import Iterable

from .results import Evaluation


def _csv(rows: Iterable[list]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def confusion_csv(evaluation: Evaluation, percent: bool = False) -> str:
    """The confusion matrix: a header row ``true \\ predicted, <class names>``, then one
    row per true class: its name and its counts (or, with ``percent``, its row percentages)."""
    matrix = evaluation.confusion
    values = matrix.row_percent if percent else matrix.counts
    header = ["true \\ predicted (row %)" if percent else "true \\ predicted", *matrix.class_names]
    return _csv([header] + [[name, *(repr(v) for v in row.tolist())]
                            for name, row in zip(matrix.class_names, values)])


def class_table_csv(evaluation: Evaluation) -> str:
    """The per-class table: ``class, precision, recall, f1, ap, support``, one row per class
    (ratios in 0..1, support in images)."""
    header = ["class", "precision", "recall", "f1", "ap", "support"]
    return _csv([header] + [[c.name, repr(c.precision), repr(c.recall), repr(c.f1), repr(c.ap), c.support]
                            for c in evaluation.classes])
