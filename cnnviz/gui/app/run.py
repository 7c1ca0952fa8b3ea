"""Start the desktop app: `python main.py` with no command ends up in :func:`run_app`."""
from __future__ import annotations

import json
import os
import sys
import time
from typing import List, Optional

from PyQt5.QtCore import QSettings, QTimer
from PyQt5.QtWidgets import QApplication

from ..widgets import theme
from ...blas import set_blas_threads
from .platform_check import display_problem
from .window import APPLICATION, ORGANIZATION, MainWindow
from ..model.modelchoice import startup_model

#: set to 1 to print startup timings as JSON on stdout and quit once the window is shown
STARTUP_PROBE_ENV = "CNNVIZ_STARTUP_PROBE"
#: BLAS threads for the app's one-image forward passes (see :mod:`cnnviz.blas`)
INTERACTIVE_BLAS_THREADS = 1


def ensure_app(argv: Optional[List[str]] = None, offscreen: bool = False) -> QApplication:
    """The running QApplication, or a new one set up for high-DPI screens.

    ``offscreen=True`` renders without a display (screenshots, benchmarks)
    unless the caller chose a Qt platform already. Also limits numpy's BLAS
    to :data:`INTERACTIVE_BLAS_THREADS` threads.
    """
    set_blas_threads(INTERACTIVE_BLAS_THREADS)
    app = QApplication.instance()
    if app is not None:
        return app
    if offscreen:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if os.environ.get("QT_QPA_PLATFORM") != "offscreen":
        theme.set_high_dpi_attributes()     # offscreen: one image pixel per widget pixel
    app = QApplication(list(argv) if argv else [sys.argv[0] if sys.argv else "cnnviz"])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("cnnviz")
    return app


def run_app(argv: Optional[List[str]] = None) -> int:
    """Open the main window with the shipped model (or an untrained one) and run until it closes.

    ``argv``: arguments for Qt (default ``sys.argv``). Returns the exit code: 2, with the
    reason and the fix on stderr, when the window cannot open here (see :mod:`.platform_check`).
    """
    start = time.perf_counter()
    problem = display_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    app = ensure_app(sys.argv if argv is None else argv)
    settings = QSettings(ORGANIZATION, APPLICATION)
    theme.apply_theme(_saved_theme(settings), app)
    model, note = startup_model()
    window = MainWindow(model, settings, note)
    window.show()
    if os.environ.get(STARTUP_PROBE_ENV):
        QTimer.singleShot(0, lambda: _report_startup(app, window, start))
    return app.exec_()


def _saved_theme(settings: QSettings) -> str:
    name = settings.value("theme", theme.DEFAULT_THEME)
    return name if name in theme.THEMES else theme.DEFAULT_THEME


def _report_startup(app: QApplication, window: MainWindow, start: float) -> None:
    app.processEvents()
    print(json.dumps({"run_app_to_shown_ms": round((time.perf_counter() - start) * 1000, 1),
                      "shown_at": time.time(), "visible": window.isVisible()}), flush=True)
    app.quit()      # without closing the window: a probe leaves the saved layout alone
