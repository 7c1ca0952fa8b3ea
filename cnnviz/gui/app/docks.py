"""The window's panels: one QDockWidget each, their default arrangement and proportions.

Every panel is registered with :meth:`Docks.add` under a stable key (its
objectName is ``"dock-<key>"``, which is what the saved layout refers to), e.g.
``docks.add("training", "Training", widget, Qt.LeftDockWidgetArea)``; a panel
with a key the default arrangement does not know goes back where ``add`` put it.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Optional, Tuple

from PyQt5.QtCore import QSize, Qt, QTimer
from PyQt5.QtGui import QGuiApplication
from PyQt5.QtWidgets import QDockWidget, QMainWindow, QScrollArea, QTabBar, QWidget

#: smallest height of the panels that scroll (pixels): the others' layouts know their own
#: minimum (a view's title, controls, a plot of at least PLOT_MIN_HEIGHT and its readout)
SCROLL_MIN_HEIGHT = 170
#: the panels the default arrangement places itself
ARRANGED = ("strip", "featuremaps", "filters", "pooling", "probabilities", "kernels")
#: the window's first size (made smaller to fit a small screen)
DEFAULT_SIZE = QSize(1400, 900)


def _clamp(v: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, v))


class Docks:
    """The panels of ``window`` by key; ``centre_width()`` is the smallest width the central
    widget needs (the docks never squeeze it below that). ``on_added(key, dock)`` is called
    for every new panel (the menus add its entries)."""

    def __init__(self, window: QMainWindow, centre_width: Callable[[], int]):
        self.window = window
        self.panels: Dict[str, QDockWidget] = {}
        self._homes: Dict[str, Tuple[int, Optional[str], Optional[str]]] = {}   # key -> (area, tabify_with, beside)
        self._tabs_timer = QTimer(window)
        self._tabs_timer.setSingleShot(True)
        self._tabs_timer.setInterval(0)
        self._tabs_timer.timeout.connect(self.show_whole_tab_names)
        self._centre_width = centre_width
        self._closed = set()                      # keys of the panels the default layout leaves closed
        self.on_added: Optional[Callable[[str, QDockWidget], None]] = None
        window.setDockOptions(QMainWindow.AnimatedDocks | QMainWindow.AllowTabbedDocks
                              | QMainWindow.AllowNestedDocks)
        window.setCorner(Qt.TopLeftCorner, Qt.TopDockWidgetArea)
        window.setCorner(Qt.TopRightCorner, Qt.TopDockWidgetArea)
        window.setCorner(Qt.BottomRightCorner, Qt.RightDockWidgetArea)
        window.setCorner(Qt.BottomLeftCorner, Qt.LeftDockWidgetArea)      # the training panel: full height

    def add(self, key: str, title: str, widget: QWidget, area=Qt.RightDockWidgetArea,
            tabify_with: Optional[str] = None, beside: Optional[str] = None, shown: bool = True) -> QDockWidget:
        """Put ``widget`` in a dock called ``title``; ``key`` names it in saved layouts.

        ``area`` and ``tabify_with`` (another panel's key), or ``beside`` (another panel's
        key: just after it, side by side), are also where Reset layout puts it back;
        ``shown=False``: the default layout leaves it closed (it opens when asked for).
        """
        w = self.window
        dock = QDockWidget(title, w)
        dock.setObjectName(f"dock-{key}")
        dock.setWidget(widget)
        if isinstance(widget, QScrollArea):          # cramped, it would scroll rather than shrink
            widget.setMinimumHeight(max(widget.minimumHeight(), SCROLL_MIN_HEIGHT))
        dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable
                         | QDockWidget.DockWidgetClosable)
        w.addDockWidget(area, dock)
        if tabify_with in self.panels:
            w.tabifyDockWidget(self.panels[tabify_with], dock)
        elif beside in self.panels:
            w.splitDockWidget(self.panels[beside], dock, Qt.Horizontal)
        # a dock dropped on another (by the user) makes a new group of tabs
        dock.dockLocationChanged.connect(self.tabs_changed)
        dock.topLevelChanged.connect(self.tabs_changed)
        self.panels[key] = dock
        self._homes[key] = (area, tabify_with, beside)
        self.tabs_changed()
        if not shown:
            self._closed.add(key)
        if self.on_added is not None:
            self.on_added(key, dock)
        return dock

    def arrange_default(self) -> None:
        """The default arrangement: network strip on top, feature maps large at the right,
        filters and pooling tabbed below them, probabilities under the drawing."""
        w, p = self.window, self.panels
        for dock in p.values():
            w.removeDockWidget(dock)
            dock.setFloating(False)
        w.addDockWidget(Qt.TopDockWidgetArea, p["strip"])
        w.addDockWidget(Qt.RightDockWidgetArea, p["featuremaps"])
        w.addDockWidget(Qt.RightDockWidgetArea, p["filters"])
        w.splitDockWidget(p["featuremaps"], p["filters"], Qt.Vertical)
        w.tabifyDockWidget(p["filters"], p["pooling"])
        w.addDockWidget(Qt.BottomDockWidgetArea, p["probabilities"])
        w.tabifyDockWidget(p["pooling"], p["kernels"])
        behind = []
        for key, dock in p.items():          # panels added later: where add put them
            if key not in ARRANGED:
                area, tabify_with, beside = self._homes[key]
                w.addDockWidget(area, dock)
                if tabify_with in p:
                    w.tabifyDockWidget(p[tabify_with], dock)
                    behind.append(p[tabify_with])
                elif beside in p:
                    w.splitDockWidget(p[beside], dock, Qt.Horizontal)
        for key, dock in p.items():
            dock.setVisible(key not in self._closed)
        for dock in behind:                  # a later panel waits behind the one it joined
            dock.raise_()
        p["filters"].raise_()
        p["featuremaps"].raise_()
        self.tabs_changed()
        self.size_default()

    def size_default(self) -> None:
        """Default proportions for the window's size: the layer views get the right ~40%
        (feature maps over filters/pooling, half each), the strip and the bottom row what
        their contents need, the drawing the rest. Later resizes keep the proportions
        (:meth:`keep_proportions`)."""
        self.show_whole_tab_names()           # the tab bars' whole widths count in the sizes below
        w, p = self.window, self.panels
        width, height = max(w.width(), 900), max(w.height(), 600)
        training = "training" in p
        strip = _clamp(0.16 * height, 104, 160)
        bottom = _clamp((0.3 if training else 0.24) * height, 190, 320)
        left = _clamp(0.21 * width, 280, 420) if training else 0      # its buttons need ~280
        right = _clamp((0.38 if training else 0.5) * width, 330, 900)
        right = max(330, min(right, width - left - self._centre_width() - 16))
        column = height - strip - 60                      # the right column, under the strip
        w.resizeDocks([p["featuremaps"]], [int(right)], Qt.Horizontal)
        w.resizeDocks([p["featuremaps"], p["filters"]], [int(column * 0.5), int(column * 0.5)], Qt.Vertical)
        w.resizeDocks([p["strip"], p["probabilities"]], [int(strip), int(bottom)], Qt.Vertical)
        if training:
            w.resizeDocks([p["training"]], [int(left)], Qt.Horizontal)
        row = [(p["probabilities"], int(_clamp(0.22 * width, 230, 460)))]
        why_below = "why" in p and w.dockWidgetArea(p["why"]) == Qt.BottomDockWidgetArea    # else beside Training
        if why_below:
            row.append((p["why"], int(_clamp(0.2 * width, 200, 420))))
        if "curves" in p:
            row.append((p["curves"], int(width * 0.3 if why_below else width * 0.35)))
        if len(row) > 1:
            w.resizeDocks([d for d, _ in row], [size for _, size in row], Qt.Horizontal)

    def open_in_front(self, key: str, width: int) -> None:
        """Show panel ``key`` in front of its tab group; when it was closed, make it ``width``
        pixels wide if the centre can spare the room (never below its own minimum)."""
        dock = self.panels[key]
        opening = not dock.isVisible()
        dock.show()
        dock.raise_()
        if opening:
            self.widen(key, width)

    def widen(self, key: str, width: int) -> None:
        """Make panel ``key`` (docked, on screen) up to ``width`` pixels wide, as far as the
        central widget can spare the room above the width it needs."""
        dock = self.panels[key]
        if dock.isFloating() or not dock.isVisible():
            return
        centre = self.window.centralWidget()
        spare = (centre.width() if centre is not None else 0) - self._centre_width() - 8
        wanted = min(width, dock.width() + max(spare, 0))
        if wanted > dock.width():
            self.window.resizeDocks([dock], [wanted], Qt.Horizontal)

    def docked(self) -> List[QDockWidget]:
        """The docks on screen in the window (not floating, not a tab behind another)."""
        return [d for d in self.panels.values()
                if d.isVisible() and not d.isFloating() and not d.visibleRegion().isEmpty()]

    def keep_proportions(self, old, new) -> None:
        """After the window went from size ``old`` to ``new``: every dock keeps its share (Qt
        alone would give all new room to the drawing; the maps and curves would stay small)."""
        docks = self.docked()
        fx, fy = new.width() / old.width(), new.height() / old.height()
        # the layout has already handed the change to the centre: the docks still have their old sizes
        self.window.resizeDocks(docks, [int(round(d.width() * fx)) for d in docks], Qt.Horizontal)
        self.window.resizeDocks(docks, [int(round(d.height() * fy)) for d in docks], Qt.Vertical)

    def tabs_changed(self) -> None:
        """Docks were tabbed together or moved: their tab bars show whole names once Qt has
        made them (queued; many changes in a row are looked at once)."""
        self._tabs_timer.start()

    def show_whole_tab_names(self) -> None:
        """Tabs of tabbed docks show their whole names: "Fi… Po… Ke…" says nothing (the
        group of docks is kept wide enough for them instead)."""
        for bar in self.window.findChildren(QTabBar):
            if bar.parent() is self.window and bar.elideMode() != Qt.ElideNone:
                bar.setElideMode(Qt.ElideNone)
                bar.setUsesScrollButtons(False)


def default_window_size() -> QSize:
    """The window's size before the user chose one: DEFAULT_SIZE, or less on a small screen."""
    screen = QGuiApplication.primaryScreen()
    if screen is None:
        return DEFAULT_SIZE
    avail = screen.availableGeometry().size()
    return QSize(min(DEFAULT_SIZE.width(), int(avail.width() * 0.95)),
                 min(DEFAULT_SIZE.height(), int(avail.height() * 0.92)))
