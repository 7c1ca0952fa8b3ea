"""The core (everything in cnnviz/ but the gui package) knows nothing of Qt.

Import direction is gui -> core, never back: importing any core module must not
load PyQt5 or pyqtgraph, and no core source file may even name them in an import.
"""
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import cnnviz

PACKAGE_DIR = Path(cnnviz.__file__).parent
QT_IMPORT = re.compile(r"^\s*(from|import)\s+(PyQt5|pyqtgraph)\b", re.MULTILINE)


def core_module_names():
    """Dotted names of every cnnviz module outside cnnviz.gui."""
    return sorted(m.name for m in pkgutil.walk_packages(cnnviz.__path__, "cnnviz.")
                  if not m.name.startswith("cnnviz.gui"))


def test_there_are_core_modules_to_check():
    names = core_module_names()
    assert "cnnviz.nn.conv" in names and "cnnviz.modelio" in names and "cnnviz.cli.main" in names
    assert {"cnnviz.explain", "cnnviz.explain.stepthrough", "cnnviz.explain.why"} <= set(names)
    assert {"cnnviz.evaluation.run", "cnnviz.evaluation.embedding", "cnnviz.evaluation.bench"} <= set(names)
    assert not any(n.startswith("cnnviz.gui") for n in names)


def test_importing_every_core_module_loads_neither_pyqt5_nor_pyqtgraph():
    names = core_module_names()
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(k for k in sys.modules if k.split('.')[0] in ('PyQt5', 'pyqtgraph')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_no_core_source_file_imports_qt_at_module_level():
    offenders = []
    for path in PACKAGE_DIR.rglob("*.py"):
        rel = path.relative_to(PACKAGE_DIR)
        if rel.parts[0] in ("gui", "cli"):
            continue           # the command line may open the gui lazily (screenshot, bench --draw)
        if QT_IMPORT.search(path.read_text(encoding="utf-8")):
            offenders.append(str(rel))
    assert offenders == []
