"""ArchitectureDialog ("Edit layers…"): the network's architecture as JSON text, checked as you type.

The text is the architecture data :class:`cnnviz.nn.Network` is built from,
one layer per line. A moment after each edit it is parsed and built with
``allocate=False`` (shapes and parameter counts only, no arrays), and the
layer-by-layer summary, or the engine's own error message, is shown below; the
line at fault is highlighted. OK stays disabled while the text is not a
working architecture.
"""
from __future__ import annotations

import copy
import json
import re
from functools import partial
from typing import List, Optional, Sequence, Tuple

from PyQt5.QtCore import Qt, QTimer
from PyQt5.QtGui import QColor, QFont, QFontDatabase, QFontInfo, QTextCursor, QTextFormat
from PyQt5.QtWidgets import (QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QPlainTextEdit,
                             QPushButton, QSplitter, QTextEdit, QVBoxLayout, QWidget)


from ...nn import LAYER_TYPES, PRESETS, Network, ShapeError, SpecError, preset_spec
from ..widgets import theme
from ..widgets.wheelguard import ComboBox

CHECK_DELAY_MS = 300        # wait this long after the last keystroke before checking


def format_spec(spec: dict) -> str:
    """Architecture JSON with one layer per line (a residual block's layers indented inside it)."""
    def layers_text(layers, indent):
        pad = " " * indent
        rows = []
        for layer in layers:
            if isinstance(layer, dict):      # name and type first: they are what a reader looks for
                layer = {**{k: layer[k] for k in ("name", "type") if k in layer}, **layer}
            if isinstance(layer, dict) and isinstance(layer.get("layers"), list):
                head = {k: v for k, v in layer.items() if k != "layers"}
                open_ = json.dumps(head, separators=(", ", ": "))[:-1] + ', "layers": [\n'
                rows.append(pad + open_ + layers_text(layer["layers"], indent + 2) + "\n" + pad + "]}")
            else:
                rows.append(pad + json.dumps(layer, separators=(", ", ": ")))
        return ",\n".join(rows)

    parts = []
    for key, value in spec.items():
        if key == "layers" and isinstance(value, list):
            parts.append(f'  "layers": [\n{layers_text(value, 4)}\n  ]')
        else:
            parts.append(f"  {json.dumps(key)}: {json.dumps(value)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def check_spec(text: str, input_shape: Optional[Sequence[int]] = None, classes: Optional[int] = None
               ) -> Tuple[Optional[dict], str, Optional[int]]:
    """(spec, summary, None) when ``text`` is a working architecture, else (None, error, line).

    ``line`` (1-based, or None) is where the problem is: the JSON error's line, or the
    line naming the layer the engine complains about. ``input_shape`` / ``classes``,
    when given, must match (the data the network will train on).
    """
    try:
        spec = json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as e:
        return None, f"Not valid JSON: {e.msg} (line {e.lineno}, column {e.colno}).", e.lineno
    except _DuplicateKey as e:
        # json.loads would silently keep the last of two "stride"s: say so instead
        return None, f"The setting {e.key!r} is given twice in one place: keep only one.", \
            _first_line(text, rf'"{re.escape(e.key)}"\s*:.*"{re.escape(e.key)}"\s*:')
    try:
        net = Network(spec, allocate=False)
    except (SpecError, ShapeError) as e:
        return None, str(e), _line_of_layer(text, str(e))
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        # a setting of the wrong kind the layer code did not anticipate
        return None, f"Cannot build this architecture: {type(e).__name__}: {e}", _line_of_layer(text, str(e))
    if input_shape is not None and tuple(net.input_shape) != tuple(input_shape):
        want = "x".join(map(str, input_shape))
        return None, (f"input_shape is {list(net.input_shape)}, but the images are {want} "
                      f"(channels x height x width): use {list(input_shape)}."), _line_of_key(text, "input_shape")
    if classes is not None and net.num_classes != classes:
        return None, (f"The last layer gives {net.num_classes} class scores, but the data has {classes} "
                      f"classes: make its units {classes}."), _last_layer_line(text)
    return spec, net.summary(), None


class _DuplicateKey(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    for k in keys:
        if keys.count(k) > 1:
            raise _DuplicateKey(k)
    return dict(pairs)


def _line_of_layer(text: str, message: str) -> Optional[int]:
    m = re.search(r"layer '([^']+)'", message)
    if not m:
        return None
    name = m.group(1).split(".")[-1]
    return _first_line(text, rf'"name"\s*:\s*"{re.escape(name)}"')


def _line_of_key(text: str, key: str) -> Optional[int]:
    return _first_line(text, rf'"{re.escape(key)}"\s*:')


def _last_layer_line(text: str) -> Optional[int]:
    rows = [i + 1 for i, line in enumerate(text.splitlines()) if '"type"' in line]
    return rows[-1] if rows else None


def _first_line(text: str, pattern: str) -> Optional[int]:
    for i, line in enumerate(text.splitlines()):
        if re.search(pattern, line):
            return i + 1
    return None


class ArchitectureDialog(QDialog):
    """Edit an architecture spec as JSON with a live summary or error; :meth:`spec` gives the result.

    ``input_shape`` (C, H, W) and ``classes``, when given, are what the data needs:
    a spec that does not fit them is refused with a message saying what to change.
    Public: ``editor``, ``summary``, ``status``, ``ok_button``, ``preset_box``,
    :attr:`valid`, :attr:`error_line`, :meth:`check` (run the check now).
    """

    def __init__(self, spec: dict, parent: Optional[QWidget] = None,
                 input_shape: Optional[Sequence[int]] = None, classes: Optional[int] = None):
        super().__init__(parent)
        self.setWindowTitle("Edit layers")
        self._original = copy.deepcopy(spec)
        self._input_shape = tuple(input_shape) if input_shape is not None else None
        self._classes = classes
        self._spec: Optional[dict] = copy.deepcopy(spec)
        self.valid = False
        self.error_line: Optional[int] = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(CHECK_DELAY_MS)
        self._timer.timeout.connect(self.check)
        self._build_ui()
        self.editor.setPlainText(format_spec(spec))
        self.check()
        self.resize(960, 620)

    def _build_ui(self):
        mono = monospace_font()
        intro = QLabel("Layers in order, one per line, as JSON. Types: " + ", ".join(sorted(LAYER_TYPES)) +
                       ". The summary below follows as you type.")
        intro.setWordWrap(True)
        self.editor = QPlainTextEdit()
        self.editor.setFont(mono)
        self.editor.setLineWrapMode(QPlainTextEdit.NoWrap)
        self.editor.setTabChangesFocus(False)
        self.editor.textChanged.connect(self._on_text)
        self.summary = QPlainTextEdit()
        self.summary.setFont(mono)
        self.summary.setReadOnly(True)
        self.summary.setLineWrapMode(QPlainTextEdit.NoWrap)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextSelectableByMouse)
        split = QSplitter(Qt.Vertical)
        split.addWidget(self.editor)
        split.addWidget(self.summary)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)

        self.preset_box = ComboBox()
        self.preset_box.addItem("Start from a preset…", None)
        for name in PRESETS:
            self.preset_box.addItem(name, name)
        self.preset_box.setToolTip("Replace the text with a named architecture, for the same input and classes")
        self.preset_box.activated.connect(self._load_preset)
        self.reset_button = QPushButton("Undo all changes")
        self.reset_button.clicked.connect(lambda: self.editor.setPlainText(format_spec(self._original)))
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.Ok)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        row = QHBoxLayout()
        row.addWidget(self.preset_box)
        row.addWidget(self.reset_button)
        row.addStretch(1)
        row.addWidget(self.buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(split, 1)
        layout.addWidget(self.status)
        layout.addLayout(row)

    # -- public ---------------------------------------------------------------------------
    def spec(self) -> dict:
        """The edited architecture (the last text that checked out; the original until then)."""
        return copy.deepcopy(self._spec if self._spec is not None else self._original)

    def check(self) -> bool:
        """Check the text now: update summary, status, highlight and OK; return whether it is valid."""
        self._timer.stop()
        spec, text, line = check_spec(self.editor.toPlainText(), self._input_shape, self._classes)
        self.valid = spec is not None
        self.error_line = line
        c = theme.colors()
        # a summary is a table (no wrapping); an error message is prose (wrapped)
        self.summary.setLineWrapMode(QPlainTextEdit.NoWrap if self.valid else QPlainTextEdit.WidgetWidth)
        if self.valid:
            self._spec = spec
            self.summary.setPlainText(text)
            params = text.splitlines()[0].split(", ")[-1]
            self.status.setText(f"<span style='color:{c['accent']}'>✓</span> A working architecture: {params}.")
        else:
            self.summary.setPlainText(text)
            where = f" (line {line} is highlighted)" if line is not None else ""
            self.status.setText(f"<span style='color:{c['warning']}'><b>Cannot use this yet</b></span>: "
                                f"see the message above{where}.")
        self._highlight(line)
        self.ok_button.setEnabled(self.valid)
        return self.valid

    def accept(self):
        if self._timer.isActive():          # OK pressed before the check of the last edit ran
            self.check()
        if self.valid:
            super().accept()

    # -- inside ---------------------------------------------------------------------------
    def _on_text(self):
        self._timer.start()

    def _highlight(self, line: Optional[int]):
        selections: List[QTextEdit.ExtraSelection] = []
        if line is not None:
            sel = QTextEdit.ExtraSelection()
            color = QColor(theme.colors()["warning"])
            color.setAlpha(60)
            sel.format.setBackground(color)
            sel.format.setProperty(QTextFormat.FullWidthSelection, True)
            block = self.editor.document().findBlockByLineNumber(line - 1)
            sel.cursor = QTextCursor(block)
            selections.append(sel)
        self.editor.setExtraSelections(selections)

    def _load_preset(self, index: int):
        name = self.preset_box.itemData(index)
        self.preset_box.setCurrentIndex(0)
        if name is None:
            return
        base = self._spec or self._original
        shape = self._input_shape or tuple(base.get("input_shape", (1, 28, 28)))
        classes = self._classes
        if classes is None:
            try:
                classes = Network(base, allocate=False).num_classes
            except (SpecError, ShapeError, ValueError, TypeError):
                classes = 10
        self.editor.setPlainText(format_spec(preset_spec(name, shape, classes)))
        self.check()


def monospace_font() -> QFont:
    """A fixed-pitch font at the application's size (the system's 'fixed' font may not be)."""
    font = QFontDatabase.systemFont(QFontDatabase.FixedFont)
    if not QFontInfo(font).fixedPitch():
        font = QFont("monospace")
        font.setStyleHint(QFont.Monospace)
        font.setFixedPitch(True)
    font.setPointSizeF(QFont().pointSizeF())
    return font


def edit_panel_layers(panel, shape: Sequence[int], classes: int) -> ArchitectureDialog:
    """Open the layer editor (window-modal) on ``panel``'s preset, or its last edit, for ``shape``
    (C, H, W) images and ``classes`` classes; OK makes the panel's "New network" train the edited
    architecture. Returns the dialog (deleted when closed)."""
    spec = panel.custom_spec or preset_spec(panel.preset(), shape, classes)
    dialog = ArchitectureDialog(spec, panel.window(), input_shape=shape, classes=classes)
    dialog.setWindowModality(Qt.WindowModal)
    dialog.accepted.connect(partial(_use_edited, panel, dialog))
    dialog.setAttribute(Qt.WA_DeleteOnClose)
    dialog.open()
    return dialog


def _use_edited(panel, dialog: ArchitectureDialog) -> None:
    spec = dialog.spec()
    panel.set_custom_spec(spec)
    panel.set_message(f"'New network' trains the edited architecture '{spec.get('name', 'custom')}' "
                      f"({len(spec.get('layers', []))} layers); pick a preset to go back.")
