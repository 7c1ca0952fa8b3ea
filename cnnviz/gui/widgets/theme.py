"""Light and dark looks: a Qt palette plus pyqtgraph colours, switchable at run time.

``apply_theme(name)`` recolours the running application and every pyqtgraph
view in it; views that draw their own colours can connect to
``theme_signals().changed`` (argument: the theme name) and read
``colors()`` for the palette of the current look.
"""
from __future__ import annotations

from typing import Dict

import pyqtgraph as pg
from PyQt5.QtCore import QObject, Qt, pyqtSignal
from PyQt5.QtGui import QColor, QPalette
from PyQt5.QtWidgets import QApplication

THEMES = ("light", "dark")
DEFAULT_THEME = "light"

_COLORS: Dict[str, Dict[str, str]] = {
    "light": {
        "window": "#f3f3f3", "base": "#ffffff", "alt": "#ececec", "text": "#1e1e1e",
        "muted": "#6b6b6b", "button": "#e6e6e6", "highlight": "#2f6fd0", "highlight_text": "#ffffff",
        "plot_bg": "#ffffff", "plot_fg": "#303030", "bar": "#9db4d3", "bar_top": "#e0701a",
        "paper": "#ffffff", "paper_border": "#b8b8b8", "ink": "#000000", "accent": "#2f6fd0",
        "warning": "#b35900",
    },
    "dark": {
        "window": "#2b2b2e", "base": "#1f1f22", "alt": "#333337", "text": "#e6e6e6",
        "muted": "#a0a0a0", "button": "#3a3a3e", "highlight": "#4a8ef0", "highlight_text": "#ffffff",
        "plot_bg": "#1f1f22", "plot_fg": "#d0d0d0", "bar": "#5c7799", "bar_top": "#ff9438",
        "paper": "#ffffff", "paper_border": "#5a5a5e", "ink": "#000000", "accent": "#6aa6ff",
        "warning": "#ffb066",
    },
}

_current = None        # nothing applied yet


class _ThemeSignals(QObject):
    changed = pyqtSignal(str)


_signals = None


def theme_signals() -> _ThemeSignals:
    """The application-wide notifier; ``changed(name)`` fires after a switch."""
    global _signals
    if _signals is None:
        _signals = _ThemeSignals()
    return _signals


def current_theme() -> str:
    """The theme in use ("light" until one is applied)."""
    return _current or DEFAULT_THEME


def colors(name: str = None) -> Dict[str, str]:
    """Named colours (hex strings) of theme ``name`` (default: the current one)."""
    return dict(_COLORS[name or current_theme()])


def palette(name: str) -> QPalette:
    """The Qt palette of a theme (used with the Fusion style)."""
    c = {k: QColor(v) for k, v in _COLORS[name].items()}
    p = QPalette()
    roles = {
        QPalette.Window: c["window"], QPalette.WindowText: c["text"], QPalette.Base: c["base"],
        QPalette.AlternateBase: c["alt"], QPalette.Text: c["text"], QPalette.Button: c["button"],
        QPalette.ButtonText: c["text"], QPalette.Highlight: c["highlight"],
        QPalette.HighlightedText: c["highlight_text"], QPalette.ToolTipBase: c["base"],
        QPalette.ToolTipText: c["text"], QPalette.PlaceholderText: c["muted"],
        QPalette.Link: c["accent"], QPalette.BrightText: QColor("#ff5050"),
    }
    for role, color in roles.items():
        p.setColor(role, color)
    for role in (QPalette.WindowText, QPalette.Text, QPalette.ButtonText):
        p.setColor(QPalette.Disabled, role, c["muted"])
    return p


def apply_theme(name: str, app: QApplication = None, force: bool = False) -> None:
    """Switch the whole application (palette, pyqtgraph views) to theme ``name``.

    Re-applying the theme in use does nothing unless ``force`` (restyling
    every widget is not free).
    """
    global _current
    if name not in _COLORS:
        raise ValueError(f"unknown theme {name!r}; choose from {', '.join(THEMES)}")
    if name == _current and not force:
        return
    app = app or QApplication.instance()
    _current = name
    c = _COLORS[name]
    pg.setConfigOption("background", c["plot_bg"])
    pg.setConfigOption("foreground", c["plot_fg"])
    if app is not None:
        app.setStyle("Fusion")
        app.setPalette(palette(name))
        app.setStyleSheet(f"QToolTip {{ color: {c['text']}; background: {c['base']}; "
                          f"border: 1px solid {c['paper_border']}; }}")
        for widget in app.allWidgets():
            if isinstance(widget, pg.GraphicsView):
                recolor_plot_widget(widget)
    theme_signals().changed.emit(name)


def recolor_plot_widget(view: pg.GraphicsView) -> None:
    """Give an existing pyqtgraph view the current background and axis colours."""
    c = _COLORS[current_theme()]
    view.setBackground(c["plot_bg"])
    scene = view.scene()
    if scene is None:
        return
    fg = pg.mkColor(c["plot_fg"])
    for item in scene.items():
        if isinstance(item, pg.AxisItem):
            item.setPen(fg)
            item.setTextPen(fg)


def set_high_dpi_attributes() -> None:
    """Crisp rendering on high-DPI screens; must run before the QApplication exists."""
    from PyQt5.QtCore import QCoreApplication
    from PyQt5.QtGui import QGuiApplication
    QCoreApplication.setAttribute(Qt.AA_EnableHighDpiScaling, True)
    QCoreApplication.setAttribute(Qt.AA_UseHighDpiPixmaps, True)
    if hasattr(QGuiApplication, "setHighDpiScaleFactorRoundingPolicy"):
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
