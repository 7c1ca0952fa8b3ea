"""The pretrained digits model in resources/: accuracy, size, and hand-drawn input."""
import json
from pathlib import Path

import numpy as np
import pytest

from cnnviz.cli.main import main
from cnnviz.modelio import load_model

MODEL = Path(__file__).resolve().parents[1] / "resources" / "models" / "digits.npz"


@pytest.fixture(scope="module")
def model():
    if not MODEL.is_file():
        pytest.skip(f"no shipped model at {MODEL}")
    return load_model(MODEL)


def test_shipped_model_is_small_and_documented(model):
    assert MODEL.stat().st_size < 5 * 2 ** 20
    assert model.class_names == [str(d) for d in range(10)]
    assert model.input_shape == (1, 28, 28)
    assert model.dataset == "mnist" and model.command.startswith("python main.py train")
    assert "--augment" in model.command
    assert model.history["epochs"], "the training history is kept"


def test_shipped_model_reaches_99_percent_on_the_official_test_set(model, shared_datasets):
    from cnnviz.data import load_dataset
    from cnnviz.train import evaluate
    data = load_dataset("mnist", data_dir=shared_datasets, download=False, splits=("test",))
    assert len(data.y_test) == 10000
    _, accuracy, _ = evaluate(model.network, data.x_test, data.y_test)
    assert accuracy >= 0.99
    assert accuracy == pytest.approx(model.test_accuracy, abs=1e-6)


def draw_png(path, strokes, width=22):
    """Dark strokes on a white 280x280 canvas, drawn with QPainter (as a user would draw)."""
    from PyQt5.QtCore import QPointF, Qt
    from PyQt5.QtGui import QImage, QPainter, QPainterPath, QPen
    img = QImage(280, 280, QImage.Format_RGB32)
    img.fill(Qt.white)
    p = QPainter(img)
    p.setRenderHint(QPainter.Antialiasing)
    p.setPen(QPen(Qt.black, width, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
    for stroke in strokes:
        line = QPainterPath(QPointF(*stroke[0]))
        for point in stroke[1:]:
            line.lineTo(QPointF(*point))
        p.drawPath(line)
    p.end()
    assert img.save(str(path))


DRAWINGS = {
    "1": [[(150, 40), (140, 240)]],
    "7": [[(70, 60), (210, 60), (120, 240)]],
    "4": [[(170, 240), (170, 40), (70, 170), (210, 170)]],
    "0": [[(140 + 60 * np.sin(t), 140 - 100 * np.cos(t)) for t in np.linspace(0, 2 * np.pi, 40)]],
    "2": [[(80, 80), (140, 40), (190, 80), (160, 150), (70, 240), (220, 240)]],
}


def test_shipped_model_reads_digits_drawn_with_qpainter(model, tmp_path, capsys, qapp):
    files = []
    for label, strokes in DRAWINGS.items():
        path = tmp_path / f"digit-{label}.png"
        draw_png(path, strokes)
        files.append(str(path))
    code = main(["predict", "--model", str(MODEL), *files, "--json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0
    got = [p["label"] for p in result["predictions"]]
    assert got == list(DRAWINGS)
