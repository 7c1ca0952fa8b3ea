"""Why this answer: saliency (the gradient of a class score with respect to each input
pixel) and Grad-CAM (the class's evidence at the last convolutional layer), from one
forward and one backward pass."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

import numpy as np

from ..nn import Network
from . import words
from .classes import checked_class, class_labels
from .exactness import frozen
from .gradients import backprop

FOLLOWERS = ("ReLU", "Sigmoid", "Tanh", "Dropout", "Residual")


@dataclass(frozen=True)
class Saliency:
    """d(score of the class)/d(input). The score is the class's logit (before the softmax)."""
    gradient: np.ndarray        # (C, H, W) signed, score units per unit of pixel value
    magnitude: np.ndarray       # (H, W) largest |gradient| over the channels
    peak: float                 # magnitude.max() (0 when the score ignores the input)
    note: str


@dataclass(frozen=True)
class GradCam:
    """Grad-CAM on entry ``layer``: cam = max(0, sum_k weights_k * A_k), with A_k its maps for
    this image and weights_k the mean over the map of d(score)/d(A_k)."""
    layer: str
    weights: np.ndarray         # (K,) one per map, score units per unit of activation
    cam: np.ndarray             # (h, w) at the layer's resolution, >= 0
    cam_input: np.ndarray       # (H, W) the cam stretched bilinearly over the input (cell centres evenly spread)
    peak: float                 # cam.max()
    note: str


@dataclass(frozen=True)
class WhyAnswer:
    """Saliency and Grad-CAM for one class of one image."""
    class_index: int
    class_name: str
    score: float                # the class's logit
    probability: float
    probabilities: np.ndarray   # (classes,)
    saliency: Saliency
    gradcam: Optional[GradCam]  # None for a network without convolutions


def gradcam_entry(network: Network) -> Optional[int]:
    """The entry Grad-CAM reads by default: the last convolution's output, moved on past the
    activations and residual sums that directly follow it (its rectified maps); None without one."""
    entries = network.entries()
    convs = [i for i, e in enumerate(entries) if e.kind == "Conv2D"]
    if not convs:
        return None
    i = convs[-1]
    while i + 1 < len(entries) and entries[i + 1].kind in FOLLOWERS and len(entries[i + 1].shape) == 3:
        i += 1
    return i


def stretch(cam: np.ndarray, hw: Tuple[int, int]) -> np.ndarray:
    """(h, w) -> (H, W) bilinearly, cell i's centre at input position (i + 0.5) * H / h - 0.5."""
    def along(a, n_out, axis):
        n_in = a.shape[axis]
        pos = (np.arange(n_out) + 0.5) * n_in / n_out - 0.5
        lo = np.clip(np.floor(pos).astype(int), 0, n_in - 1)
        hi = np.minimum(lo + 1, n_in - 1)
        t = np.clip(pos - lo, 0.0, 1.0)
        shape = [1, 1]
        shape[axis] = n_out
        t = t.reshape(shape)
        return np.take(a, lo, axis=axis) * (1 - t) + np.take(a, hi, axis=axis) * t
    return along(along(cam.astype(np.float64), hw[0], 0), hw[1], 1)


def why_this_answer(network: Network, x: np.ndarray, class_index: Optional[int] = None, *,
                    class_names: Optional[Sequence[str]] = None, layer: Optional[int] = None) -> WhyAnswer:
    """Saliency and Grad-CAM of ``class_index`` (default: the top class) for one image x (C, H, W).

    ``layer``: the entry index Grad-CAM reads (default :func:`gradcam_entry`). Runs the
    layers' training-mode forward and backward on ``network`` (see gradients.py).
    """
    x = np.asarray(x)
    names = class_labels(network, class_names)
    if class_index is not None:
        class_index = checked_class(network, class_index)
    first = []

    def seed(logits, probabilities):
        k = int(np.argmax(probabilities[0])) if class_index is None else int(class_index)
        first.append(k)
        g = np.zeros_like(logits)
        g[0, k] = 1.0
        return g
    bp = backprop(network, x[None], seed, keep=False)
    k = first[0]
    grad = bp.grads[0][0]
    magnitude = np.abs(grad).max(axis=0)
    saliency = Saliency(frozen(grad), frozen(magnitude), float(magnitude.max()), words.saliency(names[k]))
    target = gradcam_entry(network) if layer is None else int(layer)
    cam = None
    if target is not None:
        name = network.entries()[target].name
        maps, dmaps = bp.values[target][0], bp.grads[target][0]
        if maps.ndim != 3:
            raise ValueError(f"Grad-CAM needs an entry with maps; {name} has shape {maps.shape}")
        weights = dmaps.mean(axis=(1, 2))
        heat = np.maximum(np.tensordot(weights, maps, axes=1), 0)
        cam = GradCam(name, frozen(weights), frozen(heat), frozen(stretch(heat, x.shape[1:])),
                      float(heat.max()), words.gradcam(name, names[k]))
    probs = bp.probabilities[0]
    return WhyAnswer(k, names[k], float(bp.logits[0, k]), float(probs[k]), frozen(probs), saliency, cam)
