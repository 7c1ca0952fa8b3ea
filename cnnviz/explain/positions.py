"""Where a trace entry's numbers come from: its input entries, and checked cell indices.

A trace is ``Network.trace(x)``: one :class:`~cnnviz.nn.LayerOutput` per
``Network.entries()`` row (input first, a residual block's inner layers before
the block's sum, the softmax last). Every function here takes the trace, an
entry index and a cell (a tuple indexing one sample's output: (channel, row,
column) for maps, (unit,) for vectors).
"""
from __future__ import annotations

from typing import List, Sequence, Tuple

import numpy as np

from ..nn import Residual

Cell = Tuple[int, ...]


def checked_cell(entry, cell) -> Cell:
    """``cell`` as a tuple of ints inside ``entry``'s per-sample shape, else ValueError naming both."""
    shape = tuple(entry.shape)
    try:
        out = tuple(int(i) for i in np.atleast_1d(cell))
        ok = len(out) == len(shape) and all(i == c for i, c in zip(out, np.atleast_1d(cell)))
    except (TypeError, ValueError):
        ok = False
    if not ok or not all(0 <= i < n for i, n in zip(out, shape)):
        raise ValueError(f"{entry.name} has cells of shape {shape} "
                         f"({'channel, row, column' if len(shape) == 3 else 'unit'}); got {cell!r}")
    return out


def checked_image(trace: Sequence, image: int) -> int:
    """``image`` as a valid index into the trace's batch, else ValueError."""
    n = trace[0].value.shape[0]
    if not 0 <= int(image) < n:
        raise ValueError(f"the trace holds {n} image(s); image {image} does not exist")
    return int(image)


def input_indices(trace: Sequence, index: int) -> List[int]:
    """The entries whose values entry ``index`` computes from: [F(x), x] for a residual
    block's sum, the entry before it otherwise (nothing for the input)."""
    if not 0 <= index < len(trace):
        raise ValueError(f"entry {index} does not exist; the trace has {len(trace)} entries")
    if index == 0:
        return []
    layer = trace[index].layer
    if isinstance(layer, Residual):
        return [index - 1, index - 1 - len(layer.layers)]
    return [index - 1]
