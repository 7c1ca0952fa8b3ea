"""File > Open and drag-and-drop reach MainWindow.open_image, the same guarded reader as `predict`:
a TIFF opens (it used to crash the process), an SVG, a FIFO and a 900-megapixel PNG are refused with a
message and leave the drawing as it was."""
import os

import numpy as np
import pytest
from PyQt5.QtCore import QMimeData, QSettings, Qt, QUrl
from PyQt5.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PyQt5.QtWidgets import QApplication, QMessageBox

from cnnviz.gui.app.window import MainWindow
from cnnviz.gui.model.modelchoice import untrained_model

from fuzzcorpus import digit, png_declaring, qt_bytes


@pytest.fixture
def window(qtbot, hold_widgets, tmp_path):
    w = MainWindow(untrained_model("simple"), QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.fixture
def warnings(monkeypatch):
    calls = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: calls.append((title, text)))
    return calls


def drop(window, path):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    at = window.canvas.rect().center()
    for kind in (QDragEnterEvent, QDragMoveEvent, QDropEvent):
        QApplication.sendEvent(window.canvas, kind(at, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))


def test_a_tiff_opens_and_drops_onto_the_canvas(window, warnings, tmp_path):
    tiff = tmp_path / "digit.tiff"
    tiff.write_bytes(qt_bytes(np.repeat(digit(np.random.default_rng(0), 56)[:, :, None], 3, axis=2), "TIFF"))
    assert window.open_image(str(tiff)) is True
    assert window.statusBar().currentMessage().startswith("Opened digit.tiff (56×56)")
    assert not window.canvas.is_blank() and window.inspector.trace is not None
    window.canvas.clear()
    drop(window, tiff)
    assert not window.canvas.is_blank() and not warnings


def test_svg_fifo_and_huge_png_are_refused_with_a_message(window, warnings, tmp_path):
    svg = tmp_path / "digit.svg"
    svg.write_bytes(b'<svg xmlns="http://www.w3.org/2000/svg" width="28" height="28"><text x="4" y="24">7</text>'
                    b'</svg>')
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    wide = tmp_path / "wide.png"
    wide.write_bytes(png_declaring(30000, 30000))
    cases = ((svg, "SVG drawings are not read"), (fifo, "named pipe (FIFO), not a regular file"),
             (wide, "30000x30000 pixels"))
    for path, words in cases:
        assert window.open_image(str(path)) is False
        assert words in warnings[-1][1] and str(path) in warnings[-1][1]
        assert warnings[-1][1] in window.statusBar().currentMessage()
    drop(window, svg)
    assert "SVG drawings are not read" in warnings[-1][1]
    assert window.canvas.is_blank() and len(warnings) == 4
