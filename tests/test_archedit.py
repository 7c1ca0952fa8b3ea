"""ArchitectureDialog: JSON text checked by the real engine as the user types."""
import json

import pytest
from PyQt5.QtWidgets import QDialog

from cnnviz.gui.training.archedit import ArchitectureDialog, check_spec, format_spec
from cnnviz.nn import PRESETS, Network, preset_spec


pytestmark = pytest.mark.usefixtures("hold_widgets")


def make_dialog(qtbot, spec=None, **kw):
    d = ArchitectureDialog(spec or preset_spec("simple"), **kw)
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    return d


def line_text(d, line):
    return d.editor.toPlainText().splitlines()[line - 1]


@pytest.mark.parametrize("name", list(PRESETS))
def test_formatted_text_is_the_same_architecture_one_layer_per_line(name):
    spec = preset_spec(name, (3, 32, 32), 10)
    text = format_spec(spec)
    assert json.loads(text) == spec
    top_level = [l for l in text.splitlines() if l.startswith('    {"name"')]
    assert len(top_level) == len(spec["layers"])


def test_shows_the_engine_summary_and_returns_the_spec(qtbot):
    spec = preset_spec("simple")
    d = make_dialog(qtbot, spec)
    assert d.valid and d.ok_button.isEnabled()
    assert d.summary.toPlainText() == Network(spec, allocate=False).summary()
    assert "433,890 parameters" in d.status.text()
    assert d.spec() == spec and d.spec() is not spec


def test_typing_an_impossible_shape_shows_the_engine_message_and_disables_ok(qtbot):
    d = make_dialog(qtbot)
    text = d.editor.toPlainText().replace('"stride": 1, "padding": 0', '"stride": 2, "padding": 1', 1)
    d.editor.setPlainText(text)
    qtbot.waitUntil(lambda: not d.ok_button.isEnabled())      # after the typing pause, not at once
    msg = d.summary.toPlainText()
    assert "conv1" in msg and "not a whole number" in msg and "13.5" in msg
    assert '"conv1"' in line_text(d, d.error_line)
    assert len(d.editor.extraSelections()) == 1
    assert d.spec() == preset_spec("simple")                 # the last working version
    d.ok_button.click()
    assert d.isVisible()                                      # OK does nothing while invalid
    d.editor.setPlainText(text.replace('"padding": 1', '"padding": 0', 1))
    d.check()
    assert not d.valid                                        # (28 - 5) / 2 + 1 = 12.5 either
    fixed = text.replace('"stride": 2, "padding": 1', '"stride": 1, "padding": 2', 1)
    d.editor.setPlainText(fixed)
    qtbot.waitUntil(lambda: d.ok_button.isEnabled())
    assert d.spec()["layers"][0]["padding"] == 2 and not d.editor.extraSelections()
    assert "conv1      Conv2D     5x5/1 pad 2" in d.summary.toPlainText()


def test_json_mistakes_name_the_line(qtbot):
    d = make_dialog(qtbot)
    lines = d.editor.toPlainText().splitlines()
    assert '"flatten"' in lines[7]
    lines[7] = lines[7].replace('"flatten"}', '"flatten"')    # a missing brace on line 8
    d.editor.setPlainText("\n".join(lines))
    assert not d.check()
    assert "Not valid JSON" in d.summary.toPlainText() and d.error_line in (8, 9)
    spec, msg, line = check_spec('{"name": "x", "input_shape": [1, 8, 8], "input_shape": [1, 9, 9], "layers": []}')
    assert spec is None and "'input_shape' is given twice" in msg


def test_unknown_types_and_inner_residual_layers_are_pointed_at(qtbot):
    spec = preset_spec("resnet-mini")
    spec["layers"][2]["layers"][2].update(kernel=40, padding="valid")
    d = make_dialog(qtbot, spec)
    assert not d.valid and "res1_convb" in d.summary.toPlainText()
    assert '"res1_convb"' in line_text(d, d.error_line)
    spec, msg, _ = check_spec(format_spec(preset_spec("simple")).replace('"relu"', '"rectifier"', 1))
    assert spec is None and "unknown layer type 'rectifier'" in msg


def test_the_data_decides_input_shape_and_classes(qtbot):
    spec = preset_spec("simple")
    spec["layers"][-1]["units"] = 12
    d = make_dialog(qtbot, spec, input_shape=(1, 28, 28), classes=10)
    assert not d.valid and "10 classes" in d.summary.toPlainText()
    assert '"fc2"' in line_text(d, d.error_line)
    spec, msg, _ = check_spec(format_spec(preset_spec("simple", (3, 32, 32))), input_shape=(1, 28, 28))
    assert spec is None and "[1, 28, 28]" in msg


def test_a_preset_replaces_the_text_for_the_same_data_and_ok_accepts(qtbot):
    d = make_dialog(qtbot, preset_spec("simple", (3, 32, 32), 10), input_shape=(3, 32, 32), classes=10)
    i = d.preset_box.findData("lenet5")
    d.preset_box.activated.emit(i)
    assert d.valid and d.spec() == preset_spec("lenet5", (3, 32, 32), 10)
    assert d.preset_box.currentIndex() == 0
    d.reset_button.click()
    assert d.check() and d.spec() == preset_spec("simple", (3, 32, 32), 10)
    d.editor.setPlainText("{")
    d.accept()                             # before the typing pause ended: checked now, refused
    assert d.result() != QDialog.Accepted and d.isVisible()
    d.reset_button.click()
    d.check()
    d.ok_button.click()
    assert d.result() == QDialog.Accepted
