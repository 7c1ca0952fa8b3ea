"""A loaded data set: images and labels of its splits, and what they are."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np


@dataclass
class Dataset:
    """A loaded data set.

    Images are uint8 (N, C, H, W), pixel values 0..255; labels int64 (N,),
    indices into ``class_names``. A split that was not asked for is None.
    ``image_shape`` is (C, H, W); ``source`` says which folder(s) the files
    came from; ``splits`` lists the splits that were loaded. ``notes`` are
    sentences the user should read about it (e.g. files of an image folder
    that were skipped, classes with few examples).
    """
    name: str
    x_train: Optional[np.ndarray]
    y_train: Optional[np.ndarray]
    x_test: Optional[np.ndarray]
    y_test: Optional[np.ndarray]
    class_names: Tuple[str, ...]
    image_shape: Tuple[int, int, int]
    source: str
    splits: Tuple[str, ...]
    notes: Tuple[str, ...] = ()
