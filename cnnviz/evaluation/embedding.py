"""The embedding map: the penultimate layer's outputs projected to 2-D by PCA.

The projection is linear and kept (mean and two axes), so any new input, such
as the drawing being made, lands on the same map: :meth:`PCAProjection.transform`.
The two axes are the top principal components, found by subspace iteration
(numpy QR and SVD of small matrices), converged to machine-level accuracy: a
full SVD of a 2,000 x 6,000 matrix (``liteocr``'s pool output) would take many seconds.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Sequence, Tuple

import numpy as np

from ..nn import Network
from .results import Evaluation, frozen_array
from .run import DEFAULT_BATCH, DEFAULT_EMBED_COUNT, EvaluationCancelled, as_input, feature_indices
from .taps import find_taps, forward_to_features

#: components kept: the map is 2-D
AXES = 2


@dataclass(frozen=True)
class PCAProjection:
    """A fitted 2-D PCA of one layer's outputs (D numbers per image).

    ``mean``: float64 (D,); ``components``: float64 (2, D), orthonormal rows,
    each signed so its largest-magnitude entry is positive;
    ``explained_variance_ratio``: float64 (2,), the share of the sample's
    total variance along each axis (0..1).
    """
    layer: str
    mean: np.ndarray
    components: np.ndarray
    explained_variance_ratio: np.ndarray

    def transform(self, features: np.ndarray) -> np.ndarray:
        """Map coordinates float64 (n, 2) of the layer's outputs for n images, (n, D) or
        unflattened (n, C, H, W) as a trace holds them; a 1-D (D,) is one image."""
        features = np.asarray(features, dtype=np.float64)
        rows = features.reshape(1, -1) if features.ndim == 1 else features.reshape(len(features), -1)
        if rows.shape[1] != self.mean.size:
            raise ValueError(f"{self.layer} gives {self.mean.size} numbers per image, got {rows.shape[1]}")
        return (rows - self.mean) @ self.components.T


@dataclass(frozen=True)
class Embedding:
    """M test images on the map: ``points`` float64 (M, 2) in PCA units (the layer's
    activation units along each axis), ``indices`` int64 (M,) their positions in
    the test split, ``labels`` int64 (M,) their true classes."""
    projection: PCAProjection
    class_names: Tuple[str, ...]
    indices: np.ndarray
    labels: np.ndarray
    points: np.ndarray


def fit_pca(features: np.ndarray, layer: str, seed: int = 0, tol: float = 1e-12,
            max_iter: int = 200) -> PCAProjection:
    """The top-2 principal axes of ``features`` (M, D), M >= 3.

    Subspace iteration on 10 vectors (seeded by ``seed``) until both axes
    move by less than ``tol`` (1 - |cos| between iterations).
    """
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 3 or x.shape[1] < 1:
        raise ValueError(f"a 2-D map needs at least 3 images with at least 1 number each, got {x.shape}")
    mean = x.mean(axis=0)
    x = x - mean
    total = float(np.einsum("ij,ij->", x, x))
    axes, singular = _top_axes(x, seed, tol, max_iter)
    components = np.zeros((AXES, x.shape[1]))
    components[:len(axes)] = axes
    biggest = np.abs(components).argmax(axis=1)
    components *= np.where(components[np.arange(AXES), biggest] < 0, -1.0, 1.0)[:, None]
    ratio = np.zeros(AXES)
    ratio[:len(axes)] = singular[:len(axes)] ** 2 / total if total > 0 else 0.0
    return PCAProjection(layer=layer, mean=frozen_array(mean), components=frozen_array(components),
                         explained_variance_ratio=frozen_array(ratio))


def _top_axes(x: np.ndarray, seed: int, tol: float, max_iter: int) -> Tuple[np.ndarray, np.ndarray]:
    """Top right singular vectors (<= 2, D) and the singular values of centred x (M, D)."""
    m, d = x.shape
    k = min(AXES + 8, m, d)
    q, _ = np.linalg.qr(x @ np.random.default_rng(seed).standard_normal((d, k)))
    previous = None
    for _ in range(max_iter):
        z, _ = np.linalg.qr(x.T @ q)
        q, _ = np.linalg.qr(x @ z)
        _, singular, vt = np.linalg.svd(q.T @ x, full_matrices=False)
        axes = vt[:min(AXES, k)]
        if previous is not None and np.all(1 - np.abs(np.sum(axes * previous, axis=1)) < tol):
            break
        previous = axes
    return axes, singular


def embed(evaluation: Evaluation, seed: int = 0) -> Embedding:
    """The map of the images whose features an evaluation kept (``evaluation.features``)."""
    sample = evaluation.features
    projection = fit_pca(sample.values, sample.layer, seed)
    return Embedding(projection=projection, class_names=evaluation.class_names, indices=sample.indices,
                     labels=frozen_array(evaluation.labels[sample.indices]),
                     points=frozen_array(projection.transform(sample.values)))


def embed_images(net: Network, images: np.ndarray, labels: np.ndarray, class_names: Sequence[str],
                 count: int = DEFAULT_EMBED_COUNT, seed: int = 0, batch: int = DEFAULT_BATCH,
                 cancel: Optional[Callable[[], bool]] = None) -> Embedding:
    """The map on its own (e.g. after each training epoch): ``count`` of ``images``
    (N, C, H, W; uint8 or float as in ``evaluate_model``), chosen like the evaluation's,
    run up to the feature layer only, then projected. ``cancel`` is asked before each batch."""
    taps = find_taps(net)
    kept = feature_indices(len(images), count, seed)
    parts = []
    for lo in range(0, kept.size, batch):
        if cancel is not None and cancel():
            raise EvaluationCancelled(f"embedding cancelled after {lo:,} of {kept.size:,} images")
        parts.append(forward_to_features(net, as_input(images[kept[lo:lo + batch]], net.dtype), taps))
    values = np.concatenate(parts) if parts else np.empty((0, 0), np.float32)
    projection = fit_pca(values, taps.feature_layer, seed)
    return Embedding(projection=projection, class_names=tuple(str(n) for n in class_names),
                     indices=frozen_array(kept), labels=frozen_array(np.asarray(labels)[kept].astype(np.int64)),
                     points=frozen_array(projection.transform(values)))


def project_input(net: Network, projection: PCAProjection, x: np.ndarray) -> np.ndarray:
    """Map coordinates float64 (n, 2) of network inputs x (n, C, H, W) or one (C, H, W),
    in network units (a preprocessed drawing, 0..1), through the network and ``projection``."""
    taps = find_taps(net)
    if taps.feature_layer != projection.layer:
        raise ValueError(f"the projection is of layer {projection.layer}, this network's "
                         f"penultimate layer is {taps.feature_layer}")
    x = np.asarray(x, dtype=net.dtype)
    batch = x[None] if x.ndim == 3 else x
    return projection.transform(forward_to_features(net, batch, taps))
