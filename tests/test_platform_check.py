"""Before the window opens on Linux: a missing display or X11 library is said in words, with the fix."""
import os
import subprocess
import sys
from pathlib import Path

from cnnviz.gui.app import platform_check
from cnnviz.gui.app.platform_check import XCB_PACKAGES, display_problem

ROOT = Path(__file__).resolve().parents[1]


def fake_loader(missing):
    """A dlopen that fails, as the real one does, on the first missing library a load needs."""
    def load(name):
        if name.endswith("libqxcb.so") and missing:
            raise OSError(f"{missing[0]}: cannot open shared object file: No such file or directory")
        if name in missing:
            raise OSError(f"{name}: cannot open shared object file: No such file or directory")
    return load


def test_missing_xcb_libraries_are_named_with_the_packages_to_install(monkeypatch, tmp_path):
    plugin = tmp_path / "libqxcb.so"
    plugin.write_bytes(b"")
    monkeypatch.setattr(platform_check, "xcb_plugin_path", lambda: plugin)
    env = {"DISPLAY": ":0"}
    text = display_problem(env, "linux", fake_loader(["libxcb-icccm.so.4", "libxcb-xinerama.so.0"]))
    assert "libxcb-icccm.so.4" in text and "libxcb-xinerama.so.0" in text
    assert "sudo apt install libxcb-icccm4 libxcb-xinerama0" in text
    assert display_problem(env, "linux", fake_loader([])) is None


def test_no_display_other_platforms_and_other_systems():
    assert "no display" in display_problem({}, "linux", fake_loader([]))
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux", fake_loader([])) is None
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux", fake_loader(["libxcb.so.1"])) is None
    assert display_problem({}, "darwin", fake_loader(["libxcb.so.1"])) is None
    assert display_problem({}, "win32", fake_loader(["libxcb.so.1"])) is None


def test_every_known_library_has_a_package_name():
    assert all(so.startswith("lib") and ".so." in so and pkg for so, pkg in XCB_PACKAGES.items())


def test_the_app_without_a_display_says_so_and_exits_2_instead_of_aborting():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["PYTHONPATH"] = str(ROOT)
    out = subprocess.run([sys.executable, str(ROOT / "main.py")], env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 2
    assert "no display" in out.stderr and "Traceback" not in out.stderr and "Aborted" not in out.stderr
