"""The one model of what the window shows: network, meta data, input, trace, selection.

Every view observes an :class:`Inspector` and nothing else: it reads the
inspector's state when a signal says that part changed, and asks for changes
through the inspector's methods (``select``, ``select_channel``, ...). All
state is read-only from outside; every change goes through a method that
emits the signal naming it.

Views never compute a forward pass themselves: they read ``trace`` (one
:class:`cnnviz.nn.LayerOutput` per :meth:`entries` row, input first, softmax
last). During live training the trace arrives ready-made from the worker
(:meth:`show_snapshot`); otherwise the inspector runs the network on the UI
thread, which is cheap for one image.

What the trace's input is - the drawing, a test image, or a time-lapse frame
of the past - is :attr:`source`, so every view can say what it shows.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np
from PyQt5.QtCore import QObject, pyqtSignal

from ...nn import LayerEntry, LayerOutput, Network
from .filterflags import FilterFlags


@dataclass(frozen=True)
class InputSource:
    """What the shown input is. ``kind``: "drawing" (the canvas: a drawing or an opened
    image), "test" (a data set's test image), "past" (a time-lapse frame). ``text`` names
    it in a sentence ("test image #0 of mnist (a 7)"), ``label`` in a badge ("test image #0
    (a 7)"); ``step`` is the training step of a past frame; ``dataset`` and ``index`` say
    which test image it is (its data set's name and its position in the test split)."""
    kind: str
    text: str
    label: str = ""
    step: Optional[int] = None
    dataset: str = ""
    index: Optional[int] = None

    @property
    def is_drawing(self) -> bool:
        return self.kind == "drawing"


DRAWING = InputSource("drawing", "your drawing", "your drawing")


class CellRef(NamedTuple):
    """One cell of one trace entry: ``index`` into :meth:`Inspector.entries`, ``cell`` a
    (channel, row, col) of a map or a (unit,) of a vector."""
    index: int
    cell: Tuple[int, ...]


#: an input router: given a new input (or None) and what it is, True when it handled it elsewhere
InputRouter = Callable[[Optional[np.ndarray], InputSource], bool]


class Inspector(QObject):
    #: a different network (architecture or class names) is shown
    networkChanged = pyqtSignal()
    #: new weights in the same network (a loaded file, a training snapshot, the step-0 copy)
    weightsChanged = pyqtSignal()
    #: the model's meta data or file changed (name, training record, untrained or not)
    metaChanged = pyqtSignal()
    #: a new forward pass is in ``trace`` (or the input was cleared: trace is None), or its source changed
    traceChanged = pyqtSignal()
    #: dead and lazy filters of the shown network were measured, or forgotten (see :attr:`filter_flags`)
    filterFlagsChanged = pyqtSignal()
    #: the selected trace entry changed; the argument is its index
    layerSelected = pyqtSignal(int)
    #: a channel (feature map) was picked, e.g. by a click on a map; the argument is its index
    channelSelected = pyqtSignal(int)
    #: a training run started or stopped streaming snapshots (see :attr:`live`)
    liveChanged = pyqtSignal(bool)
    #: a cell was picked to be stepped through (see :attr:`picked_cell`)
    cellPicked = pyqtSignal()
    #: the mouse is over another cell of a layer, or over none (see :attr:`hovered_cell`)
    cellHovered = pyqtSignal()
    #: the class the "why" views explain changed (see :attr:`explained_class`)
    classPicked = pyqtSignal()

    def __init__(self, network: Network, class_names: Sequence[str], meta: Optional[dict] = None,
                 source_path: str = "", parent: Optional[QObject] = None):
        super().__init__(parent)
        self._network = network
        self._class_names: List[str] = list(class_names)
        self._meta: dict = dict(meta or {})
        self._path = str(source_path)
        self._entries: List[LayerEntry] = network.entries()
        self._input: Optional[np.ndarray] = None          # (C, H, W) float32 network input
        self._trace: Optional[List[LayerOutput]] = None   # batch of one
        self._source = DRAWING
        self._drawing: Optional[np.ndarray] = None        # the drawing's newest input
        self._present = None                              # (trace, source) kept while showing the past
        self._selected = 1                                # first layer after the input
        self._channel = 0
        self._start_weights: Optional[Dict[str, np.ndarray]] = None
        self._weights_step: Optional[int] = None
        self._router: Optional[InputRouter] = None
        self._live = False
        self._filter_flags: Optional[FilterFlags] = None
        self._picked: Optional[CellRef] = None
        self._hovered: Optional[CellRef] = None
        self._class: Optional[int] = None

    # -- what is shown (read-only) --------------------------------------------
    @property
    def network(self) -> Network:
        return self._network

    @property
    def class_names(self) -> List[str]:
        return list(self._class_names)

    @property
    def meta(self) -> dict:
        """The model's meta data (a copy: change it with :meth:`set_meta`)."""
        return dict(self._meta)

    @property
    def model_path(self) -> str:
        """The file the model was opened from or saved to; "" for one built in memory."""
        return self._path

    @property
    def input(self) -> Optional[np.ndarray]:
        """The shown input (C, H, W), or None."""
        return self._input

    @property
    def trace(self) -> Optional[List[LayerOutput]]:
        return self._trace

    @property
    def source(self) -> InputSource:
        """What the shown input (and so every map and probability) is."""
        return self._source

    @property
    def drawing_input(self) -> Optional[np.ndarray]:
        """The drawing's newest input (C, H, W), whatever is shown now, or None."""
        return self._drawing

    @property
    def selected(self) -> int:
        return self._selected

    @property
    def channel(self) -> int:
        """The picked map; views clamp it per layer."""
        return self._channel

    @property
    def start_weights(self) -> Optional[Dict[str, np.ndarray]]:
        """The weights at step 0 of the current training run (keyed like Network.params), or None."""
        return self._start_weights

    @property
    def weights_step(self) -> Optional[int]:
        """The training step the shown weights come from (None when not from a run)."""
        return self._weights_step

    @property
    def live(self) -> bool:
        """True while a training run sends snapshots (~10 a second): costly views may
        redraw less often (see cnnviz.gui.widgets.lazy.throttle_while_live)."""
        return self._live

    @property
    def filter_flags(self) -> Optional[FilterFlags]:
        """Dead and lazy filters of the shown network as last measured, or None."""
        return self._filter_flags

    @property
    def picked_cell(self) -> Optional[CellRef]:
        """The cell a user picked to step through (e.g. by clicking a map), or None."""
        return self._picked

    @property
    def hovered_cell(self) -> Optional[CellRef]:
        """The cell under the mouse in a layer view (for its receptive field), or None."""
        return self._hovered

    @property
    def explained_class(self) -> Optional[int]:
        """The class a user picked to be explained (a click on its bar); None: the top class."""
        return self._class

    @property
    def showing_past(self) -> bool:
        """True while a time-lapse frame of the past is shown instead of the present."""
        return self._present is not None

    # -- changing the model ----------------------------------------------------
    def set_network(self, network: Network, class_names: Sequence[str], meta: Optional[dict] = None,
                    path: str = "") -> None:
        """Show another network (from file ``path``, or "" if built in memory); the
        current input, if it still fits, is run through it."""
        if len(class_names) != network.num_classes:
            raise ValueError(f"{len(class_names)} class names for {network.num_classes} outputs")
        self._network = network
        self._class_names = list(class_names)
        self._meta = dict(meta or {})
        self._path = str(path)
        self._entries = network.entries()
        self._filter_flags = None
        self._start_weights = None
        self._weights_step = None
        self._present = None
        self._picked = self._hovered = self._class = None
        if self._source.kind == "past":
            self._source = DRAWING
        if self._input is not None and self._input.shape != network.input_shape:
            self._input = None
        if self._drawing is not None and self._drawing.shape != network.input_shape:
            self._drawing = None
        self.networkChanged.emit()
        self.filterFlagsChanged.emit()
        self.metaChanged.emit()
        self._recompute()
        self.select(min(self._selected, len(self._entries) - 1))

    def set_meta(self, meta: dict, path: Optional[str] = None) -> None:
        """New meta data for the shown model (and, unless None, the file it now lives in)."""
        self._meta = dict(meta)
        if path is not None:
            self._path = str(path)
        self.metaChanged.emit()

    def set_weights(self, weights: dict, step: Optional[int] = None, rerun: bool = True) -> None:
        """Copy new weights (of training step ``step``, if from a run) into the shown network
        and (unless ``rerun`` is False) run the input again."""
        self._network.set_weights(weights)
        self._weights_step = step
        self.weightsChanged.emit()
        if rerun:
            self._recompute()

    def set_start_weights(self, weights: Optional[Dict[str, np.ndarray]]) -> None:
        """Keep ``weights`` as step 0 of a training run (the filters' "compare with start")."""
        self._start_weights = weights
        self.weightsChanged.emit()

    def set_live(self, live: bool) -> None:
        if live != self._live:
            self._live = live
            self.liveChanged.emit(live)

    def set_filter_flags(self, flags: Optional[FilterFlags]) -> None:
        """Dead and lazy filters of the shown network as an evaluation measured them (None: forget)."""
        self._filter_flags = flags
        self.filterFlagsChanged.emit()

    def set_input_router(self, router: Optional[InputRouter]) -> None:
        """While set, every input (the drawing's, a picked test image) goes first to ``router``;
        when it returns True the input is handled elsewhere (a training worker) and no forward
        pass runs here."""
        self._router = router

    # -- inputs and traces -----------------------------------------------------
    def set_input(self, x: Optional[np.ndarray], source: InputSource = DRAWING) -> None:
        """Run the network on ``x`` (C, H, W) float32 (or clear the input with None).

        The input is first offered to the input router (if one is set).
        """
        if x is not None:
            x = np.asarray(x, dtype=np.float32)
            if x.shape != self._network.input_shape:
                raise ValueError(f"input shape {x.shape} does not fit the network's {self._network.input_shape}")
        if source.is_drawing:
            self._drawing = x
        if self._router is not None and self._router(x, source):
            return
        self._input = x
        self._source = source
        self._recompute()

    def show_drawing(self) -> None:
        """Show the drawing's newest input again (through the input router, like a new stroke)."""
        self.set_input(self._drawing, DRAWING)

    def set_trace(self, trace: Optional[List[LayerOutput]], source: Optional[InputSource] = None) -> None:
        """Show a forward pass computed elsewhere (e.g. by the training worker) of ``source``
        (default: the source shown now); its input entry becomes :attr:`input`."""
        source = self._source if source is None else source
        if self._present is not None:          # the past is shown: this is the newest present
            self._present = (trace, source)
            return
        self._show(trace, source)

    def show_snapshot(self, weights: dict, step: int, trace: Optional[List[LayerOutput]] = None,
                      source: Optional[InputSource] = None, state: Optional[dict] = None) -> None:
        """Show a training snapshot: its weights and inference state (BatchNorm's running
        statistics; no forward pass here) and, unless None, its trace."""
        self._network.set_weights(weights)
        if state:
            self._network.set_state(state)
        self._weights_step = step
        self.weightsChanged.emit()
        if trace is not None:
            self.set_trace(trace, source)

    def show_past(self, trace: Optional[List[LayerOutput]], step: int, text: str) -> None:
        """Show a time-lapse frame of training step ``step`` (``text`` names it) instead of the
        present; traces arriving meanwhile are kept until :meth:`show_present`."""
        if self._present is None:
            self._present = (self._trace, self._source)
        self._show(trace, InputSource("past", text, f"step {step:,} (time-lapse)", step))

    def show_present(self) -> None:
        """Back from the past: the newest present trace, or the input run through today's weights."""
        if self._present is None:
            return
        (trace, source), self._present = self._present, None
        if self._router is None and trace is not None:
            # no run streams traces now, and training may have gone on meanwhile: today's weights
            self._input, self._source = trace[0].value[0], source
            self._recompute()
        else:
            self._show(trace, source)

    def _show(self, trace, source: InputSource) -> None:
        self._trace = trace
        self._source = source
        self._input = None if trace is None else trace[0].value[0]
        self.traceChanged.emit()

    def _recompute(self) -> None:
        self._trace = None if self._input is None else self._network.trace(self._input[None])
        self.traceChanged.emit()

    # -- selection --------------------------------------------------------------
    def entries(self) -> List[LayerEntry]:
        """Every trace position of the shown network (input first, softmax last), from its
        structure: available without an input."""
        return list(self._entries)

    def num_entries(self) -> int:
        return len(self._entries)

    def select(self, index: int) -> None:
        index = max(0, min(int(index), len(self._entries) - 1))
        self._selected = index
        self.layerSelected.emit(index)

    def step(self, delta: int) -> None:
        """Move the selection ``delta`` layers forward (positive) or back."""
        self.select(self._selected + delta)

    def select_channel(self, channel: int) -> None:
        """Pick a channel (feature map index); kept across layers so one map can be followed."""
        self._channel = max(0, int(channel))
        self.channelSelected.emit(self._channel)

    def pick_cell(self, index: int, cell: Sequence[int]) -> None:
        """Pick ``cell`` of entry ``index`` to step through; ValueError outside the entry's shape."""
        self._picked = self._cell_ref(index, cell)
        self.cellPicked.emit()

    def hover_cell(self, index: Optional[int] = None, cell: Sequence[int] = ()) -> None:
        """The mouse is over ``cell`` of entry ``index`` (None: over no cell)."""
        ref = None if index is None else self._cell_ref(index, cell)
        if ref != self._hovered:
            self._hovered = ref
            self.cellHovered.emit()

    def pick_class(self, index: Optional[int]) -> None:
        """Explain class ``index`` (None: always the top class)."""
        if index is not None and not 0 <= int(index) < len(self._class_names):
            raise ValueError(f"class {index} does not exist; there are {len(self._class_names)}")
        index = None if index is None else int(index)
        if index != self._class:
            self._class = index
            self.classPicked.emit()

    def _cell_ref(self, index: int, cell: Sequence[int]) -> CellRef:
        if not 0 <= index < len(self._entries):
            raise ValueError(f"entry {index} does not exist; there are {len(self._entries)}")
        shape = tuple(self._entries[index].shape)
        cell = tuple(int(i) for i in cell)
        if len(cell) != len(shape) or not all(0 <= i < n for i, n in zip(cell, shape)):
            raise ValueError(f"{self._entries[index].name} has cells of shape {shape}; got {cell}")
        return CellRef(int(index), cell)

    def layer_at(self, index: int):
        """The Layer object of trace position ``index`` (None for the input and the softmax)."""
        if 0 <= index < len(self._entries):
            return self._entries[index].layer
        return None

    # -- reading --------------------------------------------------------------
    def probabilities(self) -> Optional[np.ndarray]:
        """Softmax of the shown input, (classes,), or None without one."""
        return self.value(len(self._entries) - 1)

    def value(self, index: int) -> Optional[np.ndarray]:
        """Per-sample output of trace position ``index`` (its entry's ``shape``), or None.

        None without an input, and while a trace of another network is still held.
        """
        t = self._trace
        if t is None or not 0 <= index < len(t) or len(t) != len(self._entries):
            return None
        entry = t[index]
        if tuple(entry.shape) != tuple(self._entries[index].shape):
            return None
        return entry.value[0]

    def prediction(self) -> Optional[int]:
        p = self.probabilities()
        return None if p is None else int(np.argmax(p))
