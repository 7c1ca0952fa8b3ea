"""Dead and lazy filters: convolution channels whose ReLU output is (nearly) always zero."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

import numpy as np

from .results import ChannelActivity, Evaluation

#: a lazy filter is silent on at least this share of the test images (dead: on all of them)
LAZY_FRACTION = 0.99

NOTE = ("A dead filter's output after its ReLU is zero on every test image: whatever it looks for "
        "never shows up, so the layers after it never hear from it. If it is silent on the training "
        "images too, training cannot revive it, because a ReLU passes no gradient where its output is "
        "zero; the layer then works with fewer filters than it has. A lazy filter is silent on nearly "
        "every image: it may detect something rare, or be dying. Many dead filters can follow too high "
        "a learning rate, which can push a filter's bias so far negative that it never fires again.")


@dataclass(frozen=True)
class LayerFilterHealth:
    """One convolution's filters, judged on ``n_images`` test images.

    ``silent_fraction``: float64 (C,), for each filter the share of images
    on which its ReLU output is 0 at every position (0..1). ``dead``: filters
    silent on all images; ``lazy``: silent on at least ``lazy_fraction`` of
    them but not all. Filter numbers are 0-based channel indices.
    """
    conv: str
    relu: str
    n_filters: int
    n_images: int
    silent_fraction: np.ndarray
    dead: Tuple[int, ...]
    lazy: Tuple[int, ...]


@dataclass(frozen=True)
class FilterHealth:
    """Every checked convolution, in network order; ``unchecked``: convolutions not
    followed directly by a ReLU (their output is never cut to zero, so not judged here);
    ``note``: what dead and lazy mean, in plain words."""
    layers: Tuple[LayerFilterHealth, ...]
    unchecked: Tuple[str, ...]
    lazy_fraction: float
    note: str

    @property
    def dead_count(self) -> int:
        return sum(len(layer.dead) for layer in self.layers)

    @property
    def lazy_count(self) -> int:
        return sum(len(layer.lazy) for layer in self.layers)

    def layer(self, conv: str) -> LayerFilterHealth:
        """The entry of convolution ``conv`` (its strip name); KeyError if it was not checked."""
        for entry in self.layers:
            if entry.conv == conv:
                return entry
        raise KeyError(conv)


def judge_layer(activity: ChannelActivity, lazy_fraction: float = LAZY_FRACTION) -> LayerFilterHealth:
    """Dead and lazy filters of one convolution from its silence counts; ``lazy_fraction``
    in (0, 1] is the share of silent images from which a filter counts as lazy."""
    if not 0 < lazy_fraction <= 1:
        raise ValueError(f"lazy_fraction must be in (0, 1], got {lazy_fraction}")
    silent = activity.silent_images
    seen = activity.n_images
    dead = np.flatnonzero((silent == seen) & (seen > 0))
    lazy = np.flatnonzero((silent >= lazy_fraction * seen) & (silent < seen))
    return LayerFilterHealth(conv=activity.conv, relu=activity.relu, n_filters=int(silent.size), n_images=seen,
                             silent_fraction=activity.silent_fraction, dead=tuple(int(i) for i in dead),
                             lazy=tuple(int(i) for i in lazy))


def filter_health(evaluation: Evaluation, lazy_fraction: float = LAZY_FRACTION) -> FilterHealth:
    """Dead and lazy filters of every conv -> ReLU an evaluation watched (see :func:`judge_layer`)."""
    return FilterHealth(layers=tuple(judge_layer(a, lazy_fraction) for a in evaluation.channel_activity),
                        unchecked=evaluation.unchecked_convs, lazy_fraction=float(lazy_fraction), note=NOTE)
