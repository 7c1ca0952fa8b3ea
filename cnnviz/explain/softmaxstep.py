"""The softmax derived in front of the student: each logit, its exponential, the sum, the division."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

import numpy as np

from . import words
from .exactness import frozen


@dataclass(frozen=True)
class SoftmaxStep:
    """p_k = exp(z_k - max z) / sum_j exp(z_j - max z), in the engine's float32.

    ``shifted``, ``exps`` and ``total`` are the float32 numbers the engine's softmax
    computes on the way (the same operations on the same numbers); ``probabilities``
    are the stored ones the bars show. ``reproduced`` is True when exps / total gives
    them bit for bit. ``probabilities_sum`` adds the stored probabilities exactly: it
    may miss 1 by float32 rounding.
    """
    layer: str
    class_names: Tuple[str, ...]
    logits: np.ndarray            # (K,) float32 scores from the last layer
    shift: float                  # the largest logit, subtracted from each
    shifted: np.ndarray           # (K,) float32 logit - shift (all <= 0)
    exps: np.ndarray              # (K,) float32 exp(shifted), in (0, 1]
    total: float                  # float32 sum of exps
    probabilities: np.ndarray     # (K,) float32 stored probabilities, = exps / total
    reproduced: bool
    probabilities_sum: float
    top: int                      # index of the largest probability
    note: str
    overconfidence: str


def softmax_step(logits: np.ndarray, probabilities: np.ndarray, class_names: Optional[Sequence[str]] = None,
                 meta: Optional[dict] = None, name: str = "softmax") -> SoftmaxStep:
    """The derivation of ``probabilities`` (K,) (stored) from ``logits`` (K,) (stored)."""
    names = tuple(str(n) for n in class_names) if class_names is not None else tuple(map(str, range(logits.size)))
    if len(names) != logits.size:
        raise ValueError(f"{len(names)} class names for {logits.size} outputs")
    row = logits[None].copy()
    shift = row.max(axis=1, keepdims=True)
    shifted = row - shift
    exps = np.exp(shifted)
    total = exps.sum(axis=1, keepdims=True)
    reproduced = np.array_equal((exps / total)[0].view(np.uint8), np.ascontiguousarray(probabilities).view(np.uint8))
    return SoftmaxStep(
        layer=name, class_names=names, logits=frozen(logits), shift=float(shift[0, 0]), shifted=frozen(shifted[0]),
        exps=frozen(exps[0]), total=float(total[0, 0]), probabilities=frozen(probabilities), reproduced=bool(reproduced),
        probabilities_sum=math.fsum(probabilities.astype(np.float64).tolist()), top=int(np.argmax(probabilities)),
        note=words.SOFTMAX, overconfidence=words.overconfidence(names, meta))
