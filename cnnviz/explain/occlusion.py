"""Occlusion sensitivity: a grey patch slid over the input, and how much the class's
probability drops with the patch at each place (batched forward passes)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from ..nn import Network
from ..nn.loss import softmax
from ..nn.settings import real, whole
from . import words
from .classes import checked_class, class_labels
from .exactness import frozen


@dataclass(frozen=True)
class Occlusion:
    """Patch (``patch`` x ``patch``, value ``fill``) placed with its top-left at (tops[i], lefts[j]).

    ``drops[i, j]`` = base_probability - probabilities[i, j] (positive: covering there
    lowers the class's probability). ``heat`` gives each input pixel the mean drop of
    the patch positions that cover it, for an overlay on the drawing.
    """
    class_index: int
    class_name: str
    patch: int
    stride: int
    fill: float
    base_probability: float
    tops: np.ndarray             # (ny,) int
    lefts: np.ndarray            # (nx,) int
    probabilities: np.ndarray    # (ny, nx) the class's probability with the patch there
    drops: np.ndarray            # (ny, nx)
    heat: np.ndarray             # (H, W) float64
    note: str


def patch_starts(size: int, patch: int, stride: int) -> np.ndarray:
    """Start positions along an axis of ``size``: every ``stride`` cells, plus the last one
    that ends at the border so that every cell is covered."""
    last = max(size - patch, 0)
    starts = np.arange(0, last + 1, stride)
    return starts if starts[-1] == last else np.append(starts, last)


def occlusion(network: Network, x: np.ndarray, class_index: Optional[int] = None, *, patch: int = 6,
              stride: int = 2, fill: float = 0.5, batch: int = 16,
              class_names: Optional[Sequence[str]] = None) -> Occlusion:
    """Occlusion sensitivity of ``class_index`` (default: the top class) for one image x (C, H, W).

    The occluded images go through ``network.forward`` (inference) ``batch`` at a time;
    the unoccluded image is the first of the first batch, so every probability compared
    comes from the same computation.
    """
    patch, stride, batch = whole(patch, "patch size"), whole(stride, "stride"), whole(batch, "batch size")
    fill = real(fill, "fill value", -np.inf, np.inf)
    names = class_labels(network, class_names)
    if class_index is not None:
        class_index = checked_class(network, class_index)
    x = np.asarray(x, dtype=network.dtype)
    if x.shape != network.input_shape:
        raise ValueError(f"input must have shape {network.input_shape}, got {x.shape}")
    h, w = x.shape[1:]
    tops, lefts = patch_starts(h, patch, stride), patch_starts(w, patch, stride)
    rows = (np.arange(h) >= tops[:, None]) & (np.arange(h) < tops[:, None] + patch)      # ny H
    cols = (np.arange(w) >= lefts[:, None]) & (np.arange(w) < lefts[:, None] + patch)    # nx W
    covered = (rows[:, None, :, None] & cols[None, :, None, :]).reshape(-1, 1, h, w)     # P 1 H W
    masks = np.concatenate([np.zeros((1, 1, h, w), bool), covered])    # first: nothing covered
    probs = [softmax(network.forward(np.where(masks[lo:lo + batch], fill, x[None]).astype(network.dtype, copy=False)))
             for lo in range(0, len(masks), batch)]
    probs = np.concatenate(probs)
    k = int(np.argmax(probs[0])) if class_index is None else int(class_index)
    base = float(probs[0, k])
    with_patch = probs[1:, k].reshape(len(tops), len(lefts))
    drops = base - with_patch.astype(np.float64)
    heat = (rows.T @ drops @ cols) / np.outer(rows.sum(axis=0), cols.sum(axis=0))
    return Occlusion(k, names[k], patch, stride, fill, base, frozen(tops), frozen(lefts), frozen(with_patch),
                     frozen(drops), frozen(heat), words.occlusion(patch, stride, names[k], fill))
