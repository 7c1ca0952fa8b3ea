"""The model object every view observes: which network, which input, which layer.

Views never compute a forward pass themselves: they read ``inspector.trace``
(the list of :class:`cnnviz.nn.LayerOutput` for one image, input first and
softmax last) when ``traceChanged`` fires, and the selected entry when
``layerSelected`` fires. During live training the trace arrives ready-made
from the worker (``set_trace``); otherwise the inspector runs the network on
the UI thread, which is cheap for one image.

Live training hooks: :attr:`Inspector.input_router` takes new inputs away
from the UI thread while a worker owns the computing (the trace comes back
through :meth:`show_snapshot`), and :attr:`Inspector.start_weights` keeps the
weights a training run started from (the filters' "compare with start").
"""
from __future__ import annotations

from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
from PyQt5.QtCore import QObject, pyqtSignal

from ...nn import LayerOutput, Network


class Inspector(QObject):
    #: a different network (architecture or class names) is shown
    networkChanged = pyqtSignal()
    #: new weights in the same network (a loaded file, a training snapshot)
    weightsChanged = pyqtSignal()
    #: a new forward pass is in ``trace`` (or the input was cleared: trace is None)
    traceChanged = pyqtSignal()
    #: the selected trace entry changed; the argument is its index
    layerSelected = pyqtSignal(int)
    #: a channel (feature map) was picked, e.g. by a click on a map; the argument is its index
    channelSelected = pyqtSignal(int)

    def __init__(self, network: Network, class_names: Sequence[str], meta: Optional[dict] = None,
                 parent: Optional[QObject] = None):
        super().__init__(parent)
        self.network = network
        self.class_names: List[str] = list(class_names)
        self.meta: dict = dict(meta or {})
        self.input: Optional[np.ndarray] = None          # (C, H, W) float32 network input
        self.trace: Optional[List[LayerOutput]] = None   # batch of one
        self.selected = 1                                # first layer after the input
        self.channel = 0                                 # picked map; views clamp it per layer
        self._entries, self._entries_of = [], None       # entries() cache, per network object
        #: weights at step 0 of the current training run (dict like Network.params), or None
        self.start_weights: Optional[Dict[str, np.ndarray]] = None
        #: while set, ``set_input(x)`` first offers ``x`` to it; when it returns True the
        #: input is handled elsewhere (a training worker) and no forward pass runs here
        self.input_router: Optional[Callable[[Optional[np.ndarray]], bool]] = None
        #: True while a training run sends snapshots (~10 a second): costly views may redraw
        #: less often (see cnnviz.gui.widgets.lazy.throttle_while_live)
        self.live = False

    # -- what is shown --------------------------------------------------------
    def set_network(self, network: Network, class_names: Sequence[str], meta: Optional[dict] = None) -> None:
        """Show another network; the current input (if it still fits) is run through it."""
        if len(class_names) != network.num_classes:
            raise ValueError(f"{len(class_names)} class names for {network.num_classes} outputs")
        self.network = network
        self.class_names = list(class_names)
        self.meta = dict(meta or {})
        self.start_weights = None
        if self.input is not None and self.input.shape != network.input_shape:
            self.input = None
        self.networkChanged.emit()
        self._recompute()
        self.select(min(self.selected, self.num_entries() - 1))

    def set_weights(self, weights: dict, rerun: bool = True) -> None:
        """Copy new weights into the shown network and (unless ``rerun`` is False) rerun the input."""
        self.network.set_weights(weights)
        self.weightsChanged.emit()
        if rerun:
            self._recompute()

    def set_input(self, x: Optional[np.ndarray], route: bool = True) -> None:
        """Run the network on ``x`` (C, H, W) float32, or clear the input with None.

        With ``route`` (the default) an :attr:`input_router` may take the input instead.
        """
        if x is not None:
            x = np.asarray(x, dtype=np.float32)
            if x.shape != self.network.input_shape:
                raise ValueError(f"input shape {x.shape} does not fit the network's {self.network.input_shape}")
        if route and self.input_router is not None and self.input_router(x):
            return
        self.input = x
        self._recompute()

    def set_trace(self, trace: Optional[List[LayerOutput]]) -> None:
        """Show a forward pass computed elsewhere (e.g. by the training worker); its
        input entry becomes :attr:`input`."""
        self.trace = trace
        if trace is not None:
            self.input = trace[0].value[0]
        self.traceChanged.emit()

    def show_snapshot(self, weights: dict, trace: Optional[List[LayerOutput]] = None,
                      keep_trace: bool = False) -> None:
        """Show a training snapshot: its weights (no forward pass here) and its trace.

        ``keep_trace``: leave the current trace (the snapshot's belongs to an old probe).
        """
        self.network.set_weights(weights)
        self.weightsChanged.emit()
        if not keep_trace:
            self.set_trace(trace)

    def _recompute(self) -> None:
        self.trace = None if self.input is None else self.network.trace(self.input[None])
        self.traceChanged.emit()

    # -- selection --------------------------------------------------------------
    def entries(self) -> List[tuple]:
        """(name, kind, describe, shape) of every trace position, input first, softmax last.

        Available without an input, from the network's structure.
        """
        if self._entries_of is not self.network:        # the structure changes only with the network
            rows = [("input", "Input", "", self.network.input_shape)]
            for layer in self.network.layers:
                inner = getattr(layer, "layers", None)
                if inner:
                    rows += [(f"{layer.name}.{l.name}", l.kind, l.describe(), l.out_shape) for l in inner]
                rows.append((layer.name, layer.kind, layer.describe(), layer.out_shape))
            rows.append(("softmax", "Softmax", "", self.network.output_shape))
            self._entries, self._entries_of = rows, self.network
        return list(self._entries)

    def num_entries(self) -> int:
        return len(self.entries())

    def select(self, index: int) -> None:
        index = max(0, min(int(index), self.num_entries() - 1))
        self.selected = index
        self.layerSelected.emit(index)

    def step(self, delta: int) -> None:
        """Move the selection ``delta`` layers forward (positive) or back."""
        self.select(self.selected + delta)

    def select_channel(self, channel: int) -> None:
        """Pick a channel (feature map index); kept across layers so one map can be followed."""
        self.channel = max(0, int(channel))
        self.channelSelected.emit(self.channel)

    def layer_at(self, index: int):
        """The Layer object of trace position ``index`` (None for the input and the softmax)."""
        rows = self.entries()
        if index <= 0 or index >= len(rows) - 1:
            return None
        return self.network.layer(rows[index][0])

    # -- reading --------------------------------------------------------------
    def probabilities(self) -> Optional[np.ndarray]:
        """Softmax of the current input, (classes,), or None without an input."""
        return None if self.trace is None else self.trace[-1].value[0]

    def value(self, index: int) -> Optional[np.ndarray]:
        """Per-sample output of trace position ``index`` (its ``shape``), or None.

        None without an input, and while a trace of a previous network is still
        held (during ``networkChanged`` the trace is not yet recomputed).
        """
        t = self.trace
        if t is None or not 0 <= index < len(t) or len(t) != self.num_entries():
            return None
        entry = t[index]
        if tuple(entry.shape) != tuple(self.entries()[index][3]):
            return None
        return entry.value[0]

    def prediction(self) -> Optional[int]:
        p = self.probabilities()
        return None if p is None else int(np.argmax(p))
