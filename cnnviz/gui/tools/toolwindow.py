"""The main window as the benches and picture tools open it: offscreen, shown at a size,
with a settings file of its own in a temporary folder (the user's layout and theme stay
out of it), closed without questions on leaving."""
from __future__ import annotations

import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional, Tuple

from PyQt5.QtCore import QSettings
from PyQt5.QtTest import QTest
from PyQt5.QtWidgets import QApplication

from ..app.window import MainWindow
from ..model.modelchoice import ModelChoice


@contextmanager
def tool_window(model: ModelChoice, size: Tuple[int, int] = (1400, 900), note: str = "",
                theme: Optional[str] = None) -> Iterator[Tuple[MainWindow, Path]]:
    """Yield (the window showing ``model``, shown and exposed; its temporary folder, for
    checkpoints and the like). ``theme``: the look the window starts with."""
    app = QApplication.instance()
    with tempfile.TemporaryDirectory() as tmp:
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.IniFormat)
        if theme is not None:
            settings.setValue("theme", theme)
        window = MainWindow(model, settings, note)
        try:
            window.resize(*size)
            window.show()
            QTest.qWaitForWindowExposed(window, 2000)
            yield window, Path(tmp)
        finally:
            window.discard_and_close()
            window.deleteLater()
            app.processEvents()
