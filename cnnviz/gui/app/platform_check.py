"""Before Qt starts on Linux: can its X11 (xcb) platform plugin load, and is there a display?

Qt answers a missing system library with "Could not load the Qt platform plugin
"xcb"" and an abort. :func:`display_problem` loads the plugin the way Qt would
(dlopen resolves its libraries) and, when that fails, names the system packages
to install (Debian/Ubuntu names; the library names for any other system).
"""
from __future__ import annotations

import ctypes
import os
import re
import sys
from pathlib import Path
from typing import Callable, Dict, Mapping, Optional

#: shared libraries Qt's xcb plugin needs -> the Debian/Ubuntu package holding each
XCB_PACKAGES: Dict[str, str] = {
    "libxcb-icccm.so.4": "libxcb-icccm4", "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1", "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0", "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xfixes.so.0": "libxcb-xfixes0", "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xkb.so.1": "libxcb-xkb1", "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0", "libX11-xcb.so.1": "libx11-xcb1", "libxcb-util.so.1": "libxcb-util1",
    "libxcb-shm.so.0": "libxcb-shm0", "libxcb-sync.so.1": "libxcb-sync1", "libxcb-render.so.0": "libxcb-render0",
    "libxcb.so.1": "libxcb1",
}
_MISSING = re.compile(r"(lib[\w.+-]+\.so[\w.]*): cannot open shared object file")


def xcb_plugin_path() -> Optional[Path]:
    """The xcb platform plugin of the installed PyQt5, or None when there is none."""
    try:
        import PyQt5
    except ImportError:
        return None
    path = Path(PyQt5.__file__).parent / "Qt5" / "plugins" / "platforms" / "libqxcb.so"
    return path if path.is_file() else None


def display_problem(env: Mapping[str, str] = os.environ, platform: str = sys.platform,
                    load: Callable[[str], object] = ctypes.CDLL) -> Optional[str]:
    """Why the window could not open here, in words with the fix, or None when it can (or
    when another Qt platform than X11 was chosen). ``load`` loads a shared library."""
    if not platform.startswith("linux") or env.get("QT_QPA_PLATFORM", "xcb").split(":")[0] != "xcb":
        return None
    if not env.get("DISPLAY"):
        if env.get("WAYLAND_DISPLAY"):
            return None          # Qt falls back to its Wayland plugin
        return ("cnnviz cannot open its window: there is no display (DISPLAY is not set). Start it from a "
                "desktop session, or use the command line: cnnviz --help (python main.py --help in the "
                "source folder)")
    plugin = xcb_plugin_path()
    if plugin is None:
        return None
    try:
        load(str(plugin))
        return None
    except OSError as e:
        found = _MISSING.search(str(e))
        if found is None:
            return f"cnnviz cannot open its window: Qt's X11 plugin does not load ({e})."
    # dlopen names only the first missing library: ask for each known one too
    missing = [found.group(1)] + [s for s in XCB_PACKAGES if s != found.group(1) and not _loads(load, s)]
    packages = [XCB_PACKAGES[m] for m in missing if m in XCB_PACKAGES]
    text = (f"cnnviz cannot open its window: Qt's X11 plugin needs system libraries that are not "
            f"installed ({', '.join(missing)}).")
    if packages:
        text += f" On Debian or Ubuntu: sudo apt install {' '.join(packages)}"
    return text + " (see \"If the window does not open\" in the README)."


def _loads(load, soname: str) -> bool:
    try:
        load(soname)
        return True
    except OSError:
        return False
