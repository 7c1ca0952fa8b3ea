"""The structural checks every split passes before it is handed out as data."""
from __future__ import annotations

from typing import Tuple

import numpy as np

from .errors import DataFormatError


def to_split_arrays(images: np.ndarray, labels: np.ndarray, image_shape: Tuple[int, int, int],
                    num_classes: int, name: str) -> Tuple[np.ndarray, np.ndarray]:
    """Check a split and return it as images uint8 (N, C, H, W) and labels int64 (N,).

    ``images`` is uint8 (N, H, W) for one channel or (N, C, H, W); ``labels``
    holds integer class indices that must lie in 0..num_classes-1. ``name``
    (the files' names) is used in messages. Raises DataFormatError when the
    image size, the counts (none, or unequal) or the label range is wrong.
    """
    channels, height, width = image_shape
    if images.ndim == 3 and channels == 1:
        images = images[:, None, :, :]
    if images.dtype != np.uint8 or images.shape[1:] != (channels, height, width):
        raise DataFormatError(
            f"{name}: images have shape {images.shape[1:]} ({images.dtype}) each; "
            f"expected {(channels, height, width)} uint8")
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise DataFormatError(f"{name}: labels must be a 1-D list of whole numbers, "
                              f"got {labels.dtype} of shape {labels.shape}")
    if len(images) == 0:
        raise DataFormatError(f"{name}: the split holds no images; replace the files with complete copies")
    if len(images) != len(labels):
        raise DataFormatError(
            f"{name}: {len(images)} images but {len(labels)} labels; "
            f"the image and label files do not belong together")
    labels = labels.astype(np.int64)
    bad = (labels < 0) | (labels >= num_classes)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise DataFormatError(
            f"{name}: label {int(labels[first])} at index {first} is out of range "
            f"0..{num_classes - 1} ({int(bad.sum())} bad labels in all)")
    return images, labels
