"""The main window: drawing in the centre, the layer views and probabilities in docks.

Every panel is a QDockWidget registered with :meth:`MainWindow.add_panel`
under a stable key (its objectName is ``"dock-<key>"``, which is what the
saved layout refers to). Later panels, such as live training, are added the
same way - e.g. ``window.add_panel("training", "Training", widget,
Qt.BottomDockWidgetArea, tabify_with="probabilities")`` - and appear in
View > Panels and File > Export panel automatically.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Dict, Optional

from PyQt5.QtCore import QEvent, QSettings, QSize, Qt, QTimer
from PyQt5.QtGui import QGuiApplication, QImage, QKeySequence
from PyQt5.QtWidgets import (QAction, QActionGroup, QApplication, QDialog, QDialogButtonBox, QDockWidget,
                             QFileDialog, QLabel, QMainWindow, QMessageBox, QPlainTextEdit, QScrollArea, QTabBar,
                             QVBoxLayout, QWidget)

from .. import imagefile
from ...modelio import ModelFileError, save_model
from ...nn import PRESETS
from ..widgets import theme
from .drawpanel import DrawPanel
from ..widgets.export import widget_png
from ..model.inspector import Inspector
from ..views.kernels import KernelPlayground
from .statusbar import StatusBar
from ..widgets.scroll import scrolling
from ..model.modelchoice import ModelChoice, about_text, describe, is_untrained, open_model_file, untrained_model
from ..views.featuremaps import FeatureMapView
from ..views.filters import FilterView
from ..views.pooling import PoolingView
from ..views.probabilities import ProbabilityPanel
from ..views.strip import NetworkStrip
from ..training.controller import TrainingController

ORGANIZATION, APPLICATION = "cnnviz", "cnnviz"
#: bump when the default arrangement changes, so old saved layouts are not restored
LAYOUT_VERSION = 3
DEFAULT_SIZE = QSize(1400, 900)

#: smallest height of the panels that scroll (pixels): the others' layouts know their own
#: minimum (a view's title, controls, a plot of at least PLOT_MIN_HEIGHT and its readout)
SCROLL_MIN_HEIGHT = 170

#: the layer views: key, dock title, class (built with the inspector)
LAYER_VIEWS = (
    ("strip", "Network", NetworkStrip),
    ("featuremaps", "Feature maps", FeatureMapView),
    ("filters", "Filters", FilterView),
    ("pooling", "Pooling", PoolingView),
)
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.pgm *.ppm *.tif *.tiff *.webp);;All files (*)"
MODEL_FILTER = "cnnviz models (*.npz);;Textbook SimpleConvNet params (*.pkl);;All files (*)"


class MainWindow(QMainWindow):
    """cnnviz's window. ``settings`` defaults to the user's QSettings (layout, theme, folders)."""

    def __init__(self, model: ModelChoice, settings: Optional[QSettings] = None, note: str = "",
                 parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.settings = settings if settings is not None else QSettings(ORGANIZATION, APPLICATION)
        self.inspector = Inspector(model.network, model.class_names, model.meta, parent=self)
        self.model_source = model.source
        self.draw_panel = DrawPanel(self.inspector)
        self.canvas = self.draw_panel.canvas
        self.predictor = self.draw_panel.predictor
        self.setCentralWidget(self.draw_panel)
        self.panels: Dict[str, QDockWidget] = {}
        self._homes: Dict[str, tuple] = {}          # key -> (area, tabify_with) given to add_panel
        self.actions: Dict[str, QAction] = {}
        self.setDockOptions(QMainWindow.AnimatedDocks | QMainWindow.AllowTabbedDocks
                            | QMainWindow.AllowNestedDocks)
        self.setCorner(Qt.TopLeftCorner, Qt.TopDockWidgetArea)
        self.setCorner(Qt.TopRightCorner, Qt.TopDockWidgetArea)
        self.setCorner(Qt.BottomRightCorner, Qt.RightDockWidgetArea)
        self.setCorner(Qt.BottomLeftCorner, Qt.BottomDockWidgetArea)
        self.setStatusBar(StatusBar())
        self.status_model = QLabel()
        self.status_model.setObjectName("statusModel")
        self.statusBar().addPermanentWidget(self.status_model)

        for key, title, view_class in LAYER_VIEWS:
            self.add_panel(key, title, view_class(self.inspector))
        self.add_panel("probabilities", "Probabilities", ProbabilityPanel(self.inspector))
        self.kernels = KernelPlayground()
        kernels_dock = self.add_panel("kernels", "Kernels", scrolling(self.kernels), tabify_with="pooling")
        kernels_dock.visibilityChanged.connect(lambda shown: shown and self._feed_kernels())
        self.training = TrainingController(self)
        self.training.install()
        self._make_menus()
        self.arrange_default_layout()
        self._layout_restored = self._restore_settings()

        self.canvas.fileDropped.connect(self.open_image)
        self.canvas.imageDropped.connect(lambda img: self.set_image(img, "the dropped image"))
        self.canvas.historyChanged.connect(self._sync_actions)
        self.canvas.contentChanged.connect(lambda _f: self._sync_actions())
        self.canvas.contentChanged.connect(lambda final: final and self._feed_kernels())
        self.draw_panel.open_button.clicked.connect(lambda: self.open_image())
        self.inspector.networkChanged.connect(self._show_model)
        self._show_model()
        self._sync_actions()
        self.canvas.setFocus()
        if note:
            self.statusBar().showMessage(note, 15000)

    # -- panels ----------------------------------------------------------------
    def add_panel(self, key: str, title: str, widget: QWidget, area=Qt.RightDockWidgetArea,
                  tabify_with: Optional[str] = None) -> QDockWidget:
        """Put ``widget`` in a dock called ``title``; ``key`` names it in saved layouts.

        ``area`` and ``tabify_with`` (another panel's key) are also where Reset
        layout puts it back. It gets a View > Panels entry and an export entry.
        """
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{key}")
        dock.setWidget(widget)
        if isinstance(widget, QScrollArea):          # cramped, it would scroll rather than shrink
            widget.setMinimumHeight(max(widget.minimumHeight(), SCROLL_MIN_HEIGHT))
        dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable
                         | QDockWidget.DockWidgetClosable)
        self.addDockWidget(area, dock)
        if tabify_with in self.panels:
            self.tabifyDockWidget(self.panels[tabify_with], dock)
        self.panels[key] = dock
        self._homes[key] = (area, tabify_with)
        if hasattr(self, "_panels_menu"):
            self._add_panel_actions(key, dock)
        return dock

    def arrange_default_layout(self) -> None:
        """The default arrangement: network strip on top, feature maps large at the right,
        filters and pooling tabbed below them, probabilities under the drawing."""
        p = self.panels
        for dock in p.values():
            self.removeDockWidget(dock)
            dock.setFloating(False)
        self.addDockWidget(Qt.TopDockWidgetArea, p["strip"])
        self.addDockWidget(Qt.RightDockWidgetArea, p["featuremaps"])
        self.addDockWidget(Qt.RightDockWidgetArea, p["filters"])
        self.splitDockWidget(p["featuremaps"], p["filters"], Qt.Vertical)
        self.tabifyDockWidget(p["filters"], p["pooling"])
        self.addDockWidget(Qt.BottomDockWidgetArea, p["probabilities"])
        self.tabifyDockWidget(p["pooling"], p["kernels"])
        known = {"strip", "featuremaps", "filters", "pooling", "probabilities", "kernels"}
        for key, dock in p.items():          # panels added later: where add_panel put them
            if key not in known:
                area, tabify_with = self._homes[key]
                self.addDockWidget(area, dock)
                if tabify_with in p:
                    self.tabifyDockWidget(p[tabify_with], dock)
        for dock in p.values():
            dock.show()
        p["filters"].raise_()
        p["featuremaps"].raise_()
        self._size_docks()

    def _size_docks(self) -> None:
        """Default proportions for the window's size: the layer views get the right ~40%
        (feature maps over filters/pooling, half each), the strip and the bottom row what
        their contents need, the drawing the rest. Later resizes keep the proportions
        (:meth:`resizeEvent`)."""
        p = self.panels
        w, h = max(self.width(), 900), max(self.height(), 600)
        training = "training" in p
        strip = _clamp(0.16 * h, 104, 160)
        bottom = _clamp((0.3 if training else 0.24) * h, 190, 320)
        left = _clamp(0.21 * w, 280, 420) if training else 0      # its buttons need ~280
        right = _clamp((0.38 if training else 0.5) * w, 330, 900)
        right = max(330, min(right, w - left - self.draw_panel.minimumSizeHint().width() - 16))
        column = h - strip - 60                      # the right column, under the strip
        self.resizeDocks([p["featuremaps"]], [int(right)], Qt.Horizontal)
        self.resizeDocks([p["featuremaps"], p["filters"]], [int(column * 0.5), int(column * 0.5)], Qt.Vertical)
        self.resizeDocks([p["strip"], p["probabilities"]], [int(strip), int(bottom)], Qt.Vertical)
        if training:
            self.resizeDocks([p["training"]], [int(left)], Qt.Horizontal)
        if "curves" in p:
            self.resizeDocks([p["probabilities"], p["curves"]], [int(_clamp(0.22 * w, 230, 460)), int(w * 0.35)],
                             Qt.Horizontal)

    def _docked(self):
        """The docks on screen in the window (not floating, not a tab behind another)."""
        return [d for d in self.panels.values()
                if d.isVisible() and not d.isFloating() and not d.visibleRegion().isEmpty()]

    def resizeEvent(self, event) -> None:
        """Keep every dock's share of the window: Qt alone would give all new room to the
        drawing (the canvas grows, the maps and curves stay small)."""
        super().resizeEvent(event)
        old, new = event.oldSize(), event.size()
        if not (self.isVisible() and self._layout_restored and old.isValid() and old.width() > 0
                and old.height() > 0 and old != new):
            return
        docks = self._docked()
        fx, fy = new.width() / old.width(), new.height() / old.height()
        # the layout has already handed the change to the centre: the docks still have their old sizes
        self.resizeDocks(docks, [int(round(d.width() * fx)) for d in docks], Qt.Horizontal)
        self.resizeDocks(docks, [int(round(d.height() * fy)) for d in docks], Qt.Vertical)

    def _fix_tab_bars(self) -> None:
        """Tabs of tabbed docks show their whole names: "Fi… Po… Ke…" says nothing (the
        group of docks is kept wide enough for them instead)."""
        for bar in self.findChildren(QTabBar):
            if bar.parent() is self and bar.elideMode() != Qt.ElideNone:
                bar.setElideMode(Qt.ElideNone)
                bar.setUsesScrollButtons(False)

    def _feed_kernels(self) -> None:
        """Show the drawing (or opened image) in the Kernels panel, if it is on screen
        and something is drawn; hidden, it catches up when shown."""
        if not self.panels["kernels"].isVisible() or self.canvas.is_blank():
            return
        self.kernels.set_image(self.canvas.to_array())

    def reset_layout(self) -> None:
        """Back to the default arrangement and size (View > Reset layout)."""
        self.arrange_default_layout()
        QTimer.singleShot(0, self._size_docks)
        self.statusBar().showMessage("Layout reset.", 4000)

    # -- menus and actions -------------------------------------------------------
    def _action(self, key: str, text: str, slot, shortcut=None, context=Qt.WindowShortcut,
                tip: str = "") -> QAction:
        a = QAction(text, self)
        if shortcut is not None:
            a.setShortcut(QKeySequence(shortcut))
            a.setShortcutContext(context)
        if tip:
            a.setStatusTip(tip)
        a.triggered.connect(lambda _checked=False: slot())
        self.addAction(a)       # shortcuts work even while a menu bar entry is hidden
        self.actions[key] = a
        return a

    def _make_menus(self) -> None:
        bar = self.menuBar()
        m = bar.addMenu("&File")
        m.addAction(self._action("open_image", "Open &image…", self.open_image, QKeySequence.Open,
                                 tip="Classify an image file"))
        m.addAction(self._action("open_model", "Open &model…", self.open_model, "Ctrl+Shift+O"))
        m.addAction(self._action("save_model", "&Save model…", self.save_model, QKeySequence.Save))
        m.addSeparator()
        m.addAction(self._action("export_window", "&Export window to PNG…", self.export_window, "Ctrl+E"))
        self._export_menu = m.addMenu("Export &panel to PNG")
        self._export_menu.addAction(self._action("export:drawing", "Drawing", lambda: self.export_panel("drawing")))
        m.addSeparator()
        m.addAction(self._action("quit", "&Quit", self.close, QKeySequence.Quit))

        m = bar.addMenu("&Edit")
        m.addAction(self._action("undo", "&Undo stroke", self.canvas.undo, QKeySequence.Undo))
        m.addAction(self._action("clear", "&Clear drawing", self.canvas.clear, QKeySequence.Delete))
        m.addSeparator()
        m.addAction(self._action("copy", "&Copy drawing", self.copy_drawing, QKeySequence.Copy))
        m.addAction(self._action("paste", "&Paste image", self.paste, QKeySequence.Paste))

        m = bar.addMenu("&View")
        # Application-wide so the arrows step layers whatever has focus (the canvas, a
        # view, a floating dock); widgets that need arrows for text editing still get them.
        m.addAction(self._action("prev_layer", "&Previous layer", lambda: self.inspector.step(-1),
                                 Qt.Key_Left, Qt.ApplicationShortcut))
        m.addAction(self._action("next_layer", "&Next layer", lambda: self.inspector.step(1),
                                 Qt.Key_Right, Qt.ApplicationShortcut))
        m.addSeparator()
        group = QActionGroup(self)
        for name in theme.THEMES:
            a = self._action(f"theme_{name}", f"{name.capitalize()} theme", lambda n=name: self.set_theme(n))
            a.setCheckable(True)
            group.addAction(a)
            m.addAction(a)
        m.addSeparator()
        self._panels_menu = m.addMenu("P&anels")
        m.addAction(self._action("reset_layout", "&Reset layout", self.reset_layout))
        for key, dock in self.panels.items():
            self._add_panel_actions(key, dock)

        m = bar.addMenu("&Model")
        m.addAction(self.actions["open_model"])
        m.addAction(self.actions["save_model"])
        m.addAction(self._action("about_model", "&About this model…", self.about_model, "Ctrl+I"))
        presets = m.addMenu("&New untrained preset")
        for name in PRESETS:
            presets.addAction(self._action(f"preset:{name}", name, lambda n=name: self.new_preset(n),
                                           tip=f"The '{name}' architecture with random weights"))

    def _add_panel_actions(self, key: str, dock: QDockWidget) -> None:
        self._panels_menu.addAction(dock.toggleViewAction())
        self._export_menu.addAction(self._action(f"export:{key}", dock.windowTitle(),
                                                 lambda k=key: self.export_panel(k)))

    def _sync_actions(self) -> None:
        self.actions["undo"].setEnabled(self.canvas.can_undo() or self.canvas.is_drawing())
        self.actions["clear"].setEnabled(not self.canvas.is_blank())

    # -- images ------------------------------------------------------------------
    def open_image(self, path=None) -> bool:
        """Load an image file onto the canvas; a bad file leaves everything as it was."""
        if path is None:
            path = self._ask_open("Open image", IMAGE_FILTER, "images")
            if not path:
                return False
        try:
            qimage = imagefile.array_to_qimage(imagefile.read_image(path))
        except (imagefile.ImageReadError, imagefile.ImageArrayError) as e:
            self.show_error("Cannot open image", str(e))
            return False
        return self.set_image(qimage, Path(path).name)

    def set_image(self, qimage: QImage, what: str = "the image") -> bool:
        """Put a QImage on the canvas (undoable) and classify it."""
        if qimage.isNull():
            self.show_error("Cannot use image", f"{what} is empty or not an image.")
            return False
        self.canvas.set_image(qimage)
        self.statusBar().showMessage(f"Opened {what} ({qimage.width()}×{qimage.height()}).", 6000)
        return True

    def paste(self) -> bool:
        """Edit > Paste: an image, or an image file, from the clipboard."""
        md = QApplication.clipboard().mimeData()
        if md is not None and md.hasImage():
            return self.set_image(QImage(md.imageData()), "the pasted image")
        files = [u.toLocalFile() for u in (md.urls() if md is not None else []) if u.isLocalFile()]
        if files:
            return self.open_image(files[0])
        self.statusBar().showMessage("The clipboard holds no image to paste.", 6000)
        return False

    def copy_drawing(self) -> None:
        QApplication.clipboard().setImage(self.canvas.to_qimage())
        self.statusBar().showMessage("Drawing copied to the clipboard.", 4000)

    # -- models ------------------------------------------------------------------
    def set_model(self, model: ModelChoice) -> None:
        """Show another network; the drawing is classified again."""
        self.model_source = model.source
        self.inspector.set_network(model.network, model.class_names, model.meta)

    def open_model(self, path=None) -> bool:
        """Model > Open: a bad file shows its error and the current model stays."""
        if path is None:
            path = self._ask_open("Open model", MODEL_FILTER, "models")
            if not path:
                return False
        try:
            model = open_model_file(path)
        except ModelFileError as e:
            self.show_error("Cannot open model", str(e))
            return False
        self.set_model(model)
        self.statusBar().showMessage(f"Opened model {path}.", 6000)
        return True

    def save_model(self, path=None) -> bool:
        """Model > Save: the shown network, class names and training meta data."""
        if path is None:
            suggested = Path(self.model_source).name if self.model_source else f"{self.inspector.network.name}.npz"
            path = self._ask_save("Save model", MODEL_FILTER.split(";;")[0], "models", suggested)
            if not path:
                return False
        if self.training.owns_save():       # the model of a training run: with its history and recipe
            return self.training.save(path)
        meta = self.inspector.meta
        extra = dict(meta.get("extra") or {})
        if is_untrained(meta):
            extra.update(untrained=True, seed=meta.get("seed"))
        try:
            save_model(path, self.inspector.network, self.inspector.class_names,
                       preprocessing=meta.get("preprocessing"), history=meta.get("history"),
                       dataset=meta.get("dataset"), test_accuracy=meta.get("test_accuracy"),
                       command=meta.get("command"), extra=extra)
        except ModelFileError as e:
            self.show_error("Cannot save model", str(e))
            return False
        self.model_source = str(path)
        self._show_model()
        self.statusBar().showMessage(f"Saved model to {path}.", 6000)
        return True

    def new_preset(self, name: str) -> bool:
        """An untrained network of preset ``name`` for the current input and classes."""
        try:
            model = untrained_model(name, self.inspector.network.input_shape, self.inspector.class_names)
        except ValueError as e:
            self.show_error("Cannot build preset", f"The '{name}' preset does not fit this input: {e}")
            return False
        self.set_model(model)
        self.statusBar().showMessage(f"Untrained '{name}' network: random filters, guesses for answers. "
                                     f"This is how every network starts before training.", 10000)
        return True

    def about_model(self) -> None:
        text = about_text(self.inspector.network, self.inspector.class_names, self.inspector.meta,
                          self.model_source)
        dialog = QDialog(self)
        dialog.setWindowTitle("About this model")
        view = QPlainTextEdit(text)
        view.setReadOnly(True)
        font = QGuiApplication.font()
        font.setFamily("monospace")
        font.setStyleHint(font.Monospace)
        view.setFont(font)
        view.setMinimumSize(640, 360)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(dialog.reject)
        layout = QVBoxLayout(dialog)
        layout.addWidget(view)
        layout.addWidget(buttons)
        dialog.exec_()

    def _show_model(self) -> None:
        text = describe(self.inspector.meta, self.inspector.network, self.model_source)
        self.status_model.setText(text)
        name = Path(self.model_source).name if self.model_source else self.inspector.network.name
        self.setWindowTitle(f"cnnviz - {name}" + (" (untrained)" if is_untrained(self.inspector.meta) else ""))

    # -- look and layout -----------------------------------------------------------
    def set_theme(self, name: str) -> None:
        theme.apply_theme(name)
        self.actions[f"theme_{name}"].setChecked(True)
        self.settings.setValue("theme", name)

    def _restore_settings(self) -> bool:
        s = self.settings
        name = s.value("theme", theme.current_theme())
        name = name if name in theme.THEMES else theme.DEFAULT_THEME
        theme.apply_theme(name)
        self.actions[f"theme_{name}"].setChecked(True)
        brush = s.value("canvas/brush")
        if brush is not None:
            self.draw_panel.brush.setValue(int(float(brush)))
        geometry = s.value("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(_default_size())
        state = s.value("window/state")
        return state is not None and self.restoreState(state, LAYOUT_VERSION)

    def save_settings(self) -> None:
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState(LAYOUT_VERSION))
        s.setValue("canvas/brush", self.canvas.brush_size())
        s.sync()

    def event(self, event) -> bool:
        if event.type() == QEvent.ChildPolished and isinstance(event.child(), QTabBar):
            QTimer.singleShot(0, self._fix_tab_bars)     # a new group of tabbed docks
        if event.type() == QEvent.UpdateRequest:
            # every child's repaint happens in here: its time is part of a live update's cost
            start = time.perf_counter()
            result = super().event(event)
            self.predictor.note_paint((time.perf_counter() - start) * 1000)
            return result
        return super().event(event)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._layout_restored:
            self._layout_restored = True       # default proportions once, for the real size
            self._size_docks()

    def closeEvent(self, event) -> None:
        self.training.shutdown()
        self.save_settings()
        super().closeEvent(event)

    # -- export ------------------------------------------------------------------
    def export_window(self, path=None) -> Optional[Path]:
        """The whole window as a PNG file."""
        return self._export(self, "window", path)

    def export_panel(self, key: str, path=None) -> Optional[Path]:
        """One panel ("drawing" or a dock key) as a PNG file."""
        widget = self.draw_panel if key == "drawing" else self.panels[key]
        return self._export(widget, key, path)

    def _export(self, widget: QWidget, name: str, path) -> Optional[Path]:
        if path is None:
            path = self._ask_save("Export to PNG", "PNG images (*.png)", "exports", f"cnnviz-{name}.png")
            if not path:
                return None
        try:
            out = widget_png(widget, path)
        except OSError as e:
            self.show_error("Cannot export", str(e))
            return None
        self.statusBar().showMessage(f"Saved {out}.", 6000)
        return out

    # -- dialogs -------------------------------------------------------------------
    def show_error(self, title: str, message: str) -> None:
        """A warning box plus the same text in the status bar."""
        self.statusBar().showMessage(message, 15000)
        QMessageBox.warning(self, title, message)

    def _ask_open(self, title: str, filters: str, kind: str) -> str:
        folder = self.settings.value(f"paths/{kind}", str(Path.home()))
        path, _ = QFileDialog.getOpenFileName(self, title, folder, filters)
        if path:
            self.settings.setValue(f"paths/{kind}", str(Path(path).parent))
        return path

    def _ask_save(self, title: str, filters: str, kind: str, name: str) -> str:
        folder = self.settings.value(f"paths/{kind}", str(Path.home()))
        path, _ = QFileDialog.getSaveFileName(self, title, str(Path(folder) / name), filters)
        if path:
            self.settings.setValue(f"paths/{kind}", str(Path(path).parent))
        return path


def _clamp(v: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, v))


def _default_size() -> QSize:
    screen = QGuiApplication.primaryScreen()
    if screen is None:
        return DEFAULT_SIZE
    avail = screen.availableGeometry().size()
    return QSize(min(DEFAULT_SIZE.width(), int(avail.width() * 0.95)),
                 min(DEFAULT_SIZE.height(), int(avail.height() * 0.92)))
