"""Where an evaluation listens inside a network, and one inference pass that listens there.

Two kinds of tap: the *feature layer* (the last layer before the classifier
that changes values: its output is what the embedding map projects) and every
convolution followed directly by a ReLU (whose channels can fall silent: the
dead-filter check). Names follow ``Network.entries`` ("conv2",
"res1.res1_conva"), so a view can match them to the network strip.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import numpy as np

from ..nn import Conv2D, Dropout, Flatten, Network, ReLU, Residual, layout
from ..nn.fused import fuses_relu
from ..nn.parallel import split_run

# Layers whose inference output holds the same numbers as their input.
_PASS_THROUGH = (Dropout, Flatten)


@dataclass(frozen=True)
class Taps:
    """What to record in a pass.

    ``feature_index``: index in ``net.layers`` of the feature layer, -1 for
    the input itself; ``feature_layer``: its name. ``pairs``: (conv, relu)
    names for each convolution directly followed by a ReLU, in network order;
    ``unchecked``: the other convolutions.
    """
    feature_index: int
    feature_layer: str
    pairs: Tuple[Tuple[str, str], ...]
    unchecked: Tuple[str, ...]


def find_taps(net: Network) -> Taps:
    """The taps of ``net``: its feature layer and its conv -> ReLU pairs."""
    index = len(net.layers) - 2
    while index >= 0 and isinstance(net.layers[index], _PASS_THROUGH):
        index -= 1
    pairs: List[Tuple[str, str]] = []
    convs: List[str] = []

    def scan(layers, prefix):
        for i, layer in enumerate(layers):
            name = prefix + layer.name
            if isinstance(layer, Residual):
                scan(layer.layers, name + ".")
            elif isinstance(layer, Conv2D):
                convs.append(name)
                if i + 1 < len(layers) and isinstance(layers[i + 1], ReLU):
                    pairs.append((name, prefix + layers[i + 1].name))
    scan(net.layers, "")
    paired = {conv for conv, _relu in pairs}
    return Taps(feature_index=index, feature_layer=net.layers[index].name if index >= 0 else "input",
                pairs=tuple(pairs), unchecked=tuple(c for c in convs if c not in paired))


@dataclass
class TappedBatch:
    """What one pass over a batch of n images recorded.

    ``logits``: (n, K); ``features``: (n, D) float, the feature layer's
    output flattened (None unless asked for); ``silent``: for each relu name
    of ``Taps.pairs``, bool (n, C), True where the channel is 0 everywhere.
    """
    logits: np.ndarray
    features: Optional[np.ndarray]
    silent: Dict[str, np.ndarray]


def forward_tapped(net: Network, x: np.ndarray, taps: Taps, want_features: bool = True) -> TappedBatch:
    """Inference of ``net`` on x (n, C, H, W) in ``net.dtype``, recording ``taps`` on the way.

    Gives the same logits as ``net.forward(x)`` (the same layers, in inference mode).
    """
    relus = {relu for _conv, relu in taps.pairs}
    silent: Dict[str, np.ndarray] = {}
    features = x.reshape(len(x), -1) if want_features and taps.feature_index < 0 else None
    h, layers, i = x, net.layers, 0
    while i < len(layers):
        layer = layers[i]
        if isinstance(layer, Residual):
            for inner, value in layer.forward_trace(h):
                name = layer.name if inner is layer else f"{layer.name}.{inner.name}"
                if name in relus:
                    silent[name] = _silent_channels(value)
                h = value
        elif i + 1 < len(layers) and fuses_relu(layer, layers[i + 1]) and taps.feature_index != i:
            h = layer.forward(h, False, relu=True)          # the ReLU's output, in one pass
            i += 1
        else:
            h = net.forward_layer(i, h)
        if layers[i].name in relus:
            silent[layers[i].name] = _silent_channels(h)
        if want_features and i == taps.feature_index:
            features = h.reshape(len(h), -1)
        i += 1
    return TappedBatch(logits=h, features=features, silent=silent)


def _silent_channels(maps: np.ndarray) -> np.ndarray:
    """bool (n, C): True where a channel of ReLU output maps (n, C, H, W) is 0 at every position."""
    n, c = maps.shape[:2]
    if layout.is_batch_last(maps):          # the engine's memory order: no copy, a piece of channels per core
        by_channel, peaks = layout.memory(maps).reshape(c, -1, n), np.empty((c, n), maps.dtype)
        split_run(lambda lo, hi: np.max(by_channel[lo:hi], axis=1, out=peaks[lo:hi]), c, maps.size)
        return (peaks <= 0).T
    return maps.reshape(n, c, -1).max(axis=2) <= 0


def forward_to_features(net: Network, x: np.ndarray, taps: Optional[Taps] = None) -> np.ndarray:
    """The feature layer's output for x (n, C, H, W) in ``net.dtype``, flattened to (n, D).

    Runs only the layers up to the feature layer (inference mode).
    """
    taps = find_taps(net) if taps is None else taps
    h = x
    for i in range(taps.feature_index + 1):
        h = net.forward_layer(i, h)
    return h.reshape(len(h), -1)
