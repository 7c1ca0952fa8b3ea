"""Scrubbing back through a training run's time-lapse, and exporting it.

While scrubbing, the chosen frame's forward pass is shown by the inspector as
the past (:meth:`Inspector.show_past`), so the feature-map, pooling and
probability views show the probe as the network saw it at that step and say
so; the frame's filters are drawn in the time-lapse's own mosaic, so the live
network and its weights are never touched. "Back to live" shows the present.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator, List, Optional, Sequence

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import QSize, Qt, QTimer, pyqtSignal
from PyQt5.QtWidgets import (QApplication, QComboBox, QFileDialog, QHBoxLayout, QMessageBox, QProgressDialog,
                             QPushButton, QSlider, QToolButton, QVBoxLayout, QWidget)

from ..widgets.labels import ElidedLines
from ..widgets.lazy import CatchUpOnShow, skip_while_hidden
from . import timelapse_export as export
from .timelapse import TimeLapse
from ..widgets.wheelguard import ComboBox, SpinBox

PLAY_MS = 150                    # one frame every 150 ms while playing
STATUS_TIP = ("While you look back, the feature-map, pooling and probability views show the probe image as "
              "the network saw it at that step; the filters of that step are drawn here. The live network "
              "is not changed.")


class TimeLapseView(CatchUpOnShow, QWidget):
    """Scrub through a :class:`TimeLapse`: a slider, play/pause, "Back to live", the frame's
    filters, and exports (animated GIF, PNG sequence).

    While ``scrubbing`` the inspector shows the chosen frame as the past; traces the
    training pushes meanwhile are kept by the inspector as the present, shown again by
    "Back to live" (``scrubbingChanged(bool)`` says when scrubbing starts and ends).
    Call :meth:`refresh` after new frames.
    """

    scrubbingChanged = pyqtSignal(bool)

    def __init__(self, timelapse: TimeLapse, inspector, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.timelapse = timelapse
        self.inspector = inspector
        self.scrubbing = False
        self.index: Optional[int] = None        # frame shown while scrubbing
        self._shown_step = 0
        self._play = QTimer(self)
        self._play.setInterval(PLAY_MS)
        self._play.timeout.connect(self._next_frame)
        self._build_ui()
        inspector.traceChanged.connect(self._on_trace)
        inspector.networkChanged.connect(self._on_network)
        inspector.layerSelected.connect(self._on_layer)
        self.refresh()

    def _build_ui(self):
        self.play_button = QToolButton()
        self.play_button.setText("▶")
        self.play_button.setToolTip("Play the time-lapse (the views show each kept step in turn)")
        self.play_button.clicked.connect(self.toggle_play)
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setToolTip("Drag to look back: the views show the network as it was at that step")
        self.slider.valueChanged.connect(self._on_slider)
        self.live_button = QPushButton("Back to live")
        self.live_button.setToolTip("Show the network as it is now again")
        self.live_button.clicked.connect(self.back_to_live)
        self.status = ElidedLines(1)              # one line: it must not push the buttons out of view
        self.layer_box = ComboBox()
        self.layer_box.setToolTip("Whose filters to show (and export)")
        self.layer_box.currentIndexChanged.connect(self._draw_filters)
        self.channel_spin = SpinBox()
        self.channel_spin.setPrefix("in ")
        self.channel_spin.setToolTip("Which input channel of each filter to show")
        self.channel_spin.valueChanged.connect(self._draw_filters)
        self.picture = _Picture()
        self.view = self.picture.addViewBox(lockAspect=True, invertY=True, enableMenu=False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.view.addItem(self.image)
        self.what_box = ComboBox()
        for key, text in export.EXPORT_KINDS:
            self.what_box.addItem(text, key)
        self.what_box.setToolTip("What to export: the feature maps of the layer selected in the network, "
                                 "the filters chosen here, or both side by side")
        for box in (self.layer_box, self.what_box):      # narrow docks: combos may shrink
            box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(6)
        self.gif_button = QToolButton()          # tool buttons: narrower than push buttons
        self.gif_button.setText("GIF…")
        self.gif_button.setToolTip(f"Save the time-lapse as a looping animated GIF (at most {export.GIF_MAX_FRAMES} "
                                   f"frames, evenly spread over the run)")
        self.gif_button.clicked.connect(self._ask_gif)
        self.png_button = QToolButton()
        self.png_button.setText("PNGs…")
        self.png_button.setToolTip("Save one PNG file per kept frame, into a folder")
        self.png_button.clicked.connect(self._ask_pngs)

        top = QHBoxLayout()
        top.addWidget(self.play_button)
        top.addWidget(self.slider, 1)
        top.addWidget(self.live_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.layer_box)
        bottom.addWidget(self.channel_spin)
        bottom.addStretch(1)
        bottom.addWidget(self.what_box)
        bottom.addWidget(self.gif_button)
        bottom.addWidget(self.png_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(3)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(self.picture, 1)
        layout.addLayout(bottom)

    # -- public -------------------------------------------------------------------------
    @skip_while_hidden
    def refresh(self) -> None:
        """Take in new (or dropped) frames: slider range, layer list, and the latest filters
        (deferred while the panel is behind another tab)."""
        n = len(self.timelapse)
        if self.scrubbing and self.index is not None:
            if not n:
                self.back_to_live()
                return
            # frames may have been thinned out: stay on the kept frame nearest to the one shown
            steps = np.array([f.step for f in self.timelapse.frames])
            self.index = int(np.argmin(np.abs(steps - self._shown_step)))
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(n - 1, 0))
        self.slider.setValue(self.index if self.scrubbing and self.index is not None else max(n - 1, 0))
        self.slider.blockSignals(False)
        for w in (self.slider, self.play_button, self.gif_button, self.png_button, self.what_box):
            w.setEnabled(n > 0)
        self.live_button.setEnabled(self.scrubbing)
        self._fill_layers()
        self._draw_filters()
        self._show_status()

    def show_frame(self, index: int) -> None:
        """Show frame ``index``: its trace in the inspector (as the past) and its filters here."""
        n = len(self.timelapse)
        if not n:
            return
        index = int(np.clip(index, 0, n - 1))
        frame = self.timelapse.frames[index]
        started = not self.scrubbing
        self.scrubbing = True
        self.index = index
        self._shown_step = frame.step
        if self.slider.value() != index:
            self.slider.blockSignals(True)
            self.slider.setValue(index)
            self.slider.blockSignals(False)
        trace = frame.trace_outputs() if frame.fits(self.inspector.entries()) else None
        self.inspector.show_past(trace, frame.step, f"the probe image at step {frame.step:,} "
                                                    f"(time-lapse frame {index + 1} of {n})")
        self.live_button.setEnabled(True)
        self._draw_filters()
        self._show_status()
        if started:
            self.scrubbingChanged.emit(True)

    def back_to_live(self) -> None:
        """Stop scrubbing and show the present again."""
        self._play.stop()
        self.play_button.setText("▶")
        if not self.scrubbing:
            return
        self._end_scrubbing()
        self.inspector.show_present()
        self.refresh()

    def _end_scrubbing(self) -> None:
        self.scrubbing = False
        self.index = None
        self.scrubbingChanged.emit(False)

    def toggle_play(self) -> None:
        """Play from the shown frame (from the first when at the end), or pause."""
        if self._play.isActive():
            self._play.stop()
            self.play_button.setText("▶")
            return
        n = len(self.timelapse)
        if n < 2:
            return
        start = self.index if self.index is not None and self.index < n - 1 else 0
        self.show_frame(start)
        self.play_button.setText("❚❚")
        self._play.start()

    def frame_pictures(self, what: str = "maps", layer: Optional[str] = None,
                       weight_key: Optional[str] = None, frames: Optional[Sequence[int]] = None
                       ) -> Iterator[np.ndarray]:
        """The kept frames as pictures (see :func:`timelapse_export.frame_pictures`); ``layer``
        defaults to the inspector's selected layer, ``weight_key`` to the filters chosen here."""
        return export.frame_pictures(self.timelapse, what, *self._export_defaults(layer, weight_key),
                                     frames=frames)

    def export_gif(self, path, what: str = "maps", delay_ms: int = 120, max_frames: int = export.GIF_MAX_FRAMES,
                   progress: Optional[Callable[[int, int], None]] = None, layer: Optional[str] = None,
                   weight_key: Optional[str] = None) -> Path:
        """An animated GIF of the frames (see :func:`timelapse_export.export_gif`)."""
        return export.export_gif(self.timelapse, path, what, *self._export_defaults(layer, weight_key),
                                 delay_ms=delay_ms, max_frames=max_frames, progress=progress)

    def export_pngs(self, folder, what: str = "maps", progress: Optional[Callable[[int, int], None]] = None,
                    layer: Optional[str] = None, weight_key: Optional[str] = None) -> List[Path]:
        """A PNG per frame (see :func:`timelapse_export.export_pngs`)."""
        return export.export_pngs(self.timelapse, folder, what, *self._export_defaults(layer, weight_key),
                                  progress=progress)

    def _export_defaults(self, layer, weight_key):
        entries = self.inspector.entries()
        layer = layer or entries[self.inspector.selected].name
        return layer, weight_key or self.layer_box.currentData(), self.channel_spin.value()

    # -- inside -------------------------------------------------------------------------
    def _on_slider(self, value: int):
        if len(self.timelapse):
            self.show_frame(value)

    def _next_frame(self):
        if self.index is None or self.index >= len(self.timelapse) - 1:
            self._play.stop()
            self.play_button.setText("▶")
            return
        self.show_frame(self.index + 1)

    def _on_trace(self):
        # someone else went back to the present (e.g. a new network, a new model)
        if self.scrubbing and not self.inspector.showing_past:
            self._play.stop()
            self._end_scrubbing()
            self.refresh()

    def _on_network(self):
        # frames of another network cannot be shown over this one
        self._play.stop()
        if self.scrubbing:
            self._end_scrubbing()
        self.refresh()

    def _on_layer(self, index: int):
        entry = self.inspector.entries()[index]
        if entry.kind == "Conv2D":
            i = self.layer_box.findData(f"{entry.name}.W")
            if i >= 0:
                self.layer_box.setCurrentIndex(i)
        self._show_status()

    def _fill_layers(self):
        frames = self.timelapse.frames
        keys = list(frames[-1].weights) if frames else []
        if keys == [self.layer_box.itemData(i) for i in range(self.layer_box.count())]:
            return
        current = self.layer_box.currentData()
        self.layer_box.blockSignals(True)
        self.layer_box.clear()
        for k in keys:
            self.layer_box.addItem(f"{export.layer_of(k)} filters", k)
        if current in keys:
            self.layer_box.setCurrentIndex(keys.index(current))
        self.layer_box.blockSignals(False)

    def _draw_filters(self):
        frames = self.timelapse.frames
        key = self.layer_box.currentData()
        frame = None
        if frames:
            frame = frames[self.index] if self.scrubbing and self.index is not None else frames[-1]
        if frame is None or key not in frame.weights:
            self.image.clear()
            self.channel_spin.hide()
            return
        W = frame.weights[key]
        rgb = export.is_rgb_filter(self.timelapse, key)
        many = W.shape[1] > 1 and not rgb
        self.channel_spin.setVisible(many)
        self.channel_spin.blockSignals(True)
        self.channel_spin.setRange(0, W.shape[1] - 1)
        self.channel_spin.blockSignals(False)
        img = export.filter_picture(W, self.channel_spin.value(), rgb, zoom=1)
        shape_changed = self.image.image is None or self.image.image.shape != img.shape
        self.image.setImage(img, levels=(0, 255))
        if shape_changed:
            self.view.autoRange(padding=0.02)

    def _show_status(self):
        n = len(self.timelapse)
        tl = self.timelapse
        if not n:
            self.status.setText(f"No frames yet: training keeps one every {tl.every} steps.")
        elif self.scrubbing and self.index is not None:
            f = tl.frames[self.index]
            note = "" if f.fits(self.inspector.entries()) else " · no feature maps kept (no probe image)"
            self.status.setText(f"step {f.step:,}, epoch {f.epoch} · frame {self.index + 1} of {n}{note}")
        else:
            self.status.setText(f"live · {n} frames, steps {tl.frames[0].step:,}–{tl.frames[-1].step:,} "
                                f"(every {tl.every}) · drag to look back")
        self.status.setToolTip(f"{self.status.text()}\n\n{STATUS_TIP}\n\nFrames kept: {n}, using "
                               f"{tl.nbytes / 1e6:.1f} MB.")

    def _ask_gif(self):
        what = self.what_box.currentData()
        path, _ = QFileDialog.getSaveFileName(self, "Save the time-lapse as an animated GIF",
                                              f"timelapse-{what}.gif", "GIF images (*.gif)")
        if path:
            self._run_export(lambda progress: self.export_gif(path, what, progress=progress),
                             f"Saved {path}")

    def _ask_pngs(self):
        what = self.what_box.currentData()
        folder = QFileDialog.getExistingDirectory(self, "Folder for the time-lapse PNG files")
        if folder:
            self._run_export(lambda progress: self.export_pngs(folder, what, progress=progress),
                             f"Saved {len(self.timelapse)} PNGs to {folder}")

    def _run_export(self, job, done: str):
        """Run an export with a cancellable progress dialog; errors are shown, not raised."""
        dialog = QProgressDialog("Rendering the time-lapse…", "Cancel", 0, 0, self)
        dialog.setWindowTitle("Time-lapse export")
        dialog.setWindowModality(Qt.WindowModal)
        dialog.setMinimumDuration(300)

        def progress(i, n):
            dialog.setMaximum(n)
            dialog.setValue(i)
            QApplication.processEvents()
            if dialog.wasCanceled():
                raise _Cancelled()
        try:
            job(progress)
        except _Cancelled:
            self.status.setText("Export cancelled: nothing was written.")
            return
        except (ValueError, OSError) as e:
            QMessageBox.warning(self, "Time-lapse export", str(e))
            return
        finally:
            dialog.close()
        self.status.setText(done)


class _Cancelled(Exception):
    """The user cancelled the export."""


class _Picture(pg.GraphicsLayoutWidget):
    """The filter picture; it asks for little room (in a scroll area the panel is as tall as
    its preferred height) and grows with the panel."""

    def sizeHint(self) -> QSize:
        return QSize(320, 120)
