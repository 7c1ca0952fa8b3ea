"""The main window: drawing in the centre, the layer views and probabilities in docks.

The window owns the :class:`Inspector` (the one model of what is shown), builds
every view on it, and lays them out in docks (:mod:`.docks`) with their menu
entries (:mod:`.menus`). It reacts to the model (title, status line) and to the
training controller's signals; it never reaches into a view.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from PyQt5.QtCore import QSettings, Qt, QTimer
from PyQt5.QtGui import QImage
from PyQt5.QtWidgets import QApplication, QLabel, QMainWindow, QMessageBox, QScrollArea, QWidget

from ... import shipped
from ...modelio import ModelFileError, save_model
from .. import imagefile
from ..model.inspector import Inspector
from ..model.modelchoice import ModelChoice, is_untrained, open_model_file, untrained_model
from ..model.modeltext import about_text, describe
from ..training.controller import TrainingController
from ..views.featuremaps import FeatureMapView
from ..views.filters import FilterView
from ..views.kernels import KernelPlayground
from ..views.pooling import PoolingView
from ..views.probabilities import ProbabilityPanel
from ..views.strip import NetworkStrip
from ..widgets import theme
from ..widgets.export import widget_png
from ..widgets.qimage import ImageArrayError, array_to_qimage
from ..widgets.notes import add_note
from ..widgets.scroll import scrolling
from ..widgets.tour import PANEL_NOTES
from . import dialogs
from .docks import Docks, default_window_size
from .drawpanel import DrawPanel
from .menus import Menus
from .statusbar import StatusBar
from .teaching import TeachingPanels

ORGANIZATION, APPLICATION = "cnnviz", "cnnviz"
#: bump when the default arrangement changes, so old saved layouts are not restored
LAYOUT_VERSION = 6
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.pgm *.ppm *.tif *.tiff *.webp);;All files (*)"
MODEL_FILTER = "cnnviz models (*.npz);;Textbook SimpleConvNet params (*.pkl);;All files (*)"

#: the layer views: key, dock title, class (built with the inspector)
LAYER_VIEWS = (
    ("strip", "Network", NetworkStrip),
    ("featuremaps", "Feature maps", FeatureMapView),
    ("filters", "Filters", FilterView),
    ("pooling", "Pooling", PoolingView),
)


class MainWindow(QMainWindow):
    """cnnviz's window. ``settings`` defaults to the user's QSettings (layout, theme, folders)."""

    def __init__(self, model: ModelChoice, settings: Optional[QSettings] = None, note: str = "",
                 parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.settings = settings if settings is not None else QSettings(ORGANIZATION, APPLICATION)
        self.inspector = Inspector(model.network, model.class_names, model.meta, model.source, parent=self)
        self.draw_panel = DrawPanel(self.inspector)
        self.canvas = self.draw_panel.canvas
        self.predictor = self.draw_panel.predictor
        self.setCentralWidget(self.draw_panel)
        self.setStatusBar(StatusBar())
        self.status_model = QLabel()
        self.status_model.setObjectName("statusModel")
        self.statusBar().addPermanentWidget(self.status_model)
        self.error_box: Optional[QMessageBox] = None

        self.docks = Docks(self, lambda: self.draw_panel.minimumSizeHint().width())
        self.panels = self.docks.panels
        self.menus = Menus(self)
        self.actions = self.menus.actions
        self.docks.on_added = self.menus.add_panel
        for key, title, view_class in LAYER_VIEWS:
            self.docks.add(key, title, view_class(self.inspector))
        self.docks.add("probabilities", "Probabilities", ProbabilityPanel(self.inspector))
        self.kernels = KernelPlayground()
        self.docks.add("kernels", "Kernels", scrolling(self.kernels), tabify_with="pooling")
        self.panels["kernels"].visibilityChanged.connect(self._feed_kernels)
        self.training = TrainingController(self.inspector, self.settings, parent=self,
                                           may_drop_training=self._may_drop_training)
        self.docks.add("training", "Training", self.training.panel, Qt.LeftDockWidgetArea)
        self.docks.add("curves", "Training curves", self.training.curves, Qt.BottomDockWidgetArea)
        # beside the filters: it scrubs back through them (the bottom row has no height to spare)
        self.docks.add("timelapse", "Time-lapse", scrolling(self.training.timelapse_view), Qt.RightDockWidgetArea,
                       tabify_with="pooling")
        self.teaching = TeachingPanels(self)
        self.collect, self.why = self.teaching.collect, self.teaching.why
        self.training.stateChanged.connect(self._on_training_state)
        self.training.statusMessage.connect(self.statusBar().showMessage)
        self.training.errorRaised.connect(self._show_training_error)
        self.training.panel.saveClicked.connect(self.save_model)
        for key, text in PANEL_NOTES.items():
            view = self.panels[key].widget()
            add_note(view.widget() if isinstance(view, QScrollArea) else view, text)
        self.docks.arrange_default()
        self._layout_restored = self._restore_settings()

        self.canvas.fileDropped.connect(self.open_image)
        self.canvas.imageDropped.connect(self._image_dropped)
        self.canvas.historyChanged.connect(self._sync_actions)
        self.canvas.contentChanged.connect(self._on_canvas)
        self.draw_panel.open_button.clicked.connect(self.open_image)
        self.inspector.metaChanged.connect(self._show_model)
        self._show_model()
        self._sync_actions()
        self.canvas.setFocus()
        if note:
            self.statusBar().showMessage(note, 15000)

    # -- panels ----------------------------------------------------------------
    @property
    def evaluation(self):
        """The Evaluation panel (built when first shown or asked for)."""
        return self.teaching.evaluation

    @property
    def step_through(self):
        """The Step-through panel (built when first shown or asked for)."""
        return self.teaching.step_through

    def add_panel(self, key: str, title: str, widget: QWidget, area=Qt.RightDockWidgetArea,
                  tabify_with: Optional[str] = None, beside: Optional[str] = None, shown: bool = True):
        """Put ``widget`` in a new dock (see :meth:`Docks.add`); it gets its menu entries."""
        return self.docks.add(key, title, widget, area, tabify_with, beside, shown)

    def reset_layout(self) -> None:
        """Back to the default arrangement and size (View > Reset layout)."""
        self.docks.arrange_default()
        QTimer.singleShot(0, self.docks.size_default)
        self.statusBar().showMessage("Layout reset.", 4000)

    def _feed_kernels(self, *_args) -> None:
        """Show the drawing (or opened image) in the Kernels panel, if it is on screen
        and something is drawn; hidden, it catches up when shown."""
        if not self.panels["kernels"].isVisible() or self.canvas.is_blank():
            return
        self.kernels.set_image(self.canvas.to_array())

    def _on_canvas(self, final: bool) -> None:
        self._sync_actions()
        if final:
            self._feed_kernels()

    def _sync_actions(self) -> None:
        self.actions["undo"].setEnabled(self.canvas.can_undo() or self.canvas.is_drawing())
        self.actions["clear"].setEnabled(not self.canvas.is_blank())

    def _on_training_state(self, state: str) -> None:
        self.menus.set_model_changes_enabled(state == "idle")

    def _show_training_error(self, title: str, message: str) -> None:
        self.error_box = dialogs.warn_later(self, title, message)

    def evaluate(self) -> None:
        """Model > Evaluate: the Evaluation panel to the front, evaluating the shown model."""
        self.teaching.evaluate()

    # -- images ------------------------------------------------------------------
    def open_image(self, path=None) -> bool:
        """Load an image file onto the canvas; a bad file leaves everything as it was."""
        if not path:
            path = dialogs.ask_open(self, self.settings, "Open image", IMAGE_FILTER, "images")
            if not path:
                return False
        try:
            qimage = array_to_qimage(imagefile.read_image(path))
        except (imagefile.ImageReadError, ImageArrayError) as e:
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

    def _image_dropped(self, qimage: QImage) -> None:
        self.set_image(qimage, "the dropped image")

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
        self.inspector.set_network(model.network, model.class_names, model.meta, model.source)

    def _may_drop_training(self, doing: str) -> bool:
        """True when the shown model may be replaced (``doing``: "replace" or "quit"): it holds
        no unsaved training, or the user saved it or chose to let it go."""
        if not self.training.unsaved:
            return True
        answer = dialogs.ask(self, "Unsaved training",
                             f"The model shown was trained here and is not saved to a file of yours: "
                             f"{self.training.unsaved_words(doing)} Save it first?",
                             QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Save)
        if answer == QMessageBox.Save:
            return self.save_model()
        return answer == QMessageBox.Discard

    def open_model(self, path=None) -> bool:
        """Model > Open: a bad file shows its error and the current model stays."""
        if not path:
            path = dialogs.ask_open(self, self.settings, "Open model", MODEL_FILTER, "models")
            if not path:
                return False
        try:
            model = open_model_file(path)
        except ModelFileError as e:
            self.show_error("Cannot open model", str(e))
            return False
        if not self._may_drop_training("open another model"):
            return False
        self.set_model(model)
        self.statusBar().showMessage(f"Opened model {path}.", 6000)
        return True

    def open_shipped(self, name: str) -> bool:
        """Model > Digits / Letters: the shipped model ``name`` (asks first about unsaved training)."""
        opened = self.open_model(shipped.model_path(name))
        self.menus.show_model_file(self.inspector.model_path)     # also when it was not opened
        return opened

    def save_model(self, path=None) -> bool:
        """Model > Save: the shown network, class names and training meta data."""
        ins = self.inspector
        if not path:
            suggested = Path(ins.model_path).name if ins.model_path else f"{ins.network.name}.npz"
            path = dialogs.ask_save(self, self.settings, "Save model", MODEL_FILTER.split(";;")[0], "models",
                                    suggested)
            if not path:
                return False
        try:
            if self.training.owns_save():       # the model of a training run: with its history and recipe
                return self.training.save(path)
            meta = ins.meta
            extra = dict(meta.get("extra") or {})
            if is_untrained(meta):
                extra.update(untrained=True, seed=meta.get("seed"))
            save_model(path, ins.network, ins.class_names, preprocessing=meta.get("preprocessing"),
                       history=meta.get("history"), dataset=meta.get("dataset"),
                       test_accuracy=meta.get("test_accuracy"), command=meta.get("command"), extra=extra)
        except (ModelFileError, OSError) as e:
            self.show_error("Cannot save model", str(e))
            return False
        ins.set_meta(ins.meta, path=str(path))
        self.statusBar().showMessage(f"Saved model to {path}.", 6000)
        return True

    def new_preset(self, name: str) -> bool:
        """An untrained network of preset ``name`` for the current input and classes."""
        try:
            model = untrained_model(name, self.inspector.network.input_shape, self.inspector.class_names)
        except ValueError as e:
            self.show_error("Cannot build preset", f"The '{name}' preset does not fit this input: {e}")
            return False
        if not self._may_drop_training("start an untrained network"):
            return False
        self.set_model(model)
        self.statusBar().showMessage(f"Untrained '{name}' network: random filters, guesses for answers. "
                                     f"This is how every network starts before training.", 10000)
        return True

    def about_model(self) -> None:
        ins = self.inspector
        dialogs.show_text(self, "About this model", about_text(ins.network, ins.class_names, ins.meta,
                                                               ins.model_path))

    def _show_model(self) -> None:
        ins = self.inspector
        self.status_model.setText(describe(ins.meta, ins.network, ins.model_path))
        self.menus.show_model_file(ins.model_path)
        name = Path(ins.model_path).name if ins.model_path else ins.network.name
        self.setWindowTitle(f"cnnviz - {name}" + (" (untrained)" if is_untrained(ins.meta) else ""))

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
        self.menus.set_notes(str(s.value("help/notes", False)).lower() == "true")
        brush = s.value("canvas/brush")
        if brush is not None:
            self.draw_panel.set_brush_size(int(float(brush)))
        geometry = s.value("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(default_window_size())
        state = s.value("window/state")
        restored = state is not None and self.restoreState(state, LAYOUT_VERSION)
        self.docks.tabs_changed()
        return restored

    def save_settings(self) -> None:
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState(LAYOUT_VERSION))
        s.setValue("canvas/brush", self.canvas.brush_size())
        s.sync()

    # No Python event() or eventFilter() here: the window would see every child event of its
    # widgets, and pytest-qt caught "QChildEvent(...): not enough arguments" raised by PyQt while
    # such an override got the child events of a window being built after another was destroyed.

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        old, new = event.oldSize(), event.size()
        if (self.isVisible() and self._layout_restored and old.isValid() and old.width() > 0
                and old.height() > 0 and old != new):
            self.docks.keep_proportions(old, new)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.docks.tabs_changed()              # the tab bars exist once the layout has been shown
        if not self._layout_restored:
            self._layout_restored = True       # default proportions once, for the real size
            self.docks.size_default()

    def discard_and_close(self) -> None:
        """Close without asking: stop a run and let unsaved training go (benchmarks, screenshots)."""
        self.training.shutdown()
        self.training.unsaved = False
        self.close()

    def closeEvent(self, event) -> None:
        if self.training.is_running():
            lost = ("The weights it trained are lost unless you save them first." if self.training.autosaved is None
                    else "Not saved to a file of yours: " + self.training.unsaved_words("quit"))
            answer = dialogs.ask(self, "Quit cnnviz", f"Training is running — stop and quit? {lost}",
                                 QMessageBox.Yes | QMessageBox.Cancel, QMessageBox.Cancel)
            if answer != QMessageBox.Yes:
                event.ignore()
                return
            self.training.shutdown()            # the run ends before its next step
            self.training.unsaved = False       # the user chose to let it go
        elif not self._may_drop_training("quit"):
            event.ignore()
            return
        self.teaching.shutdown()                # background threads
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
        if not path:
            path = dialogs.ask_save(self, self.settings, "Export to PNG", "PNG images (*.png)", "exports",
                                    f"cnnviz-{name}.png")
            if not path:
                return None
        try:
            with self.canvas.without_cursor():         # the pointer is never part of the picture
                out = widget_png(widget, path)
        except OSError as e:
            self.show_error("Cannot export", str(e))
            return None
        self.statusBar().showMessage(f"Saved {out}.", 6000)
        return out

    def show_error(self, title: str, message: str) -> None:
        """A warning box plus the same text in the status bar."""
        self.statusBar().showMessage(message, 15000)
        QMessageBox.warning(self, title, message)

