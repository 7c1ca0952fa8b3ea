"""The import rules of docs/architecture.md, checked on the source (not by convention).

- the core (everything outside cnnviz.gui) imports no Qt (see test_core_is_qt_free.py);
- gui.model (what is shown) and gui.widgets (small parts) import no view, no app, no training;
- a view imports no other view (a view package may import its own modules);
- nothing imports gui.tools (benchmarks, screenshots) but the command line and the tools.
"""
import ast
from pathlib import Path

import cnnviz

PACKAGE_DIR = Path(cnnviz.__file__).parent


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path):
    """Absolute names of the cnnviz modules (or names in them) that ``path`` imports."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                yield f"{target}.{alias.name}" if target.startswith("cnnviz") else target
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name


def all_imports():
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        yield module_name(path), [i for i in imports_of(path) if i.startswith("cnnviz")]


def test_the_rules_see_the_imports():
    found = dict(all_imports())
    assert "cnnviz.gui.model.inspector.Inspector" in found["cnnviz.gui.app.window"]
    assert "cnnviz.gui.views.featuremaps.FeatureMapView" in found["cnnviz.gui.app.window"]


def view_of(name: str):
    """'cnnviz.gui.views.filters.view.X' -> 'filters'; None outside the views."""
    parts = name.split(".")
    return parts[3] if len(parts) > 3 and parts[:3] == ["cnnviz", "gui", "views"] else None


def test_no_view_imports_another_view():
    offenders = [(m, i) for m, imps in all_imports() if view_of(m) for i in imps
                 if view_of(i) and view_of(i) != view_of(m)]
    assert offenders == []


def test_model_and_widgets_import_no_view_app_or_training():
    upper = ("cnnviz.gui.views", "cnnviz.gui.app", "cnnviz.gui.training", "cnnviz.gui.tools")
    offenders = [(m, i) for m, imps in all_imports()
                 if m.startswith(("cnnviz.gui.model", "cnnviz.gui.widgets")) for i in imps if i.startswith(upper)]
    assert offenders == []


def test_only_the_command_line_imports_the_tools():
    offenders = [(m, i) for m, imps in all_imports() for i in imps
                 if i.startswith("cnnviz.gui.tools") and not m.startswith(("cnnviz.cli", "cnnviz.gui.tools"))]
    assert offenders == []


def test_the_core_imports_nothing_of_the_gui_but_the_command_line():
    offenders = [(m, i) for m, imps in all_imports() if not m.startswith(("cnnviz.gui", "cnnviz.cli"))
                 for i in imps if i.startswith("cnnviz.gui")]
    assert offenders == []
