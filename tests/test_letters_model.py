"""The shipped letters model: its meta data, and how well it reads letters drawn by hand in the app."""
import json
from pathlib import Path

import pytest

from cnnviz.cli.main import main
from cnnviz.modelio import load_model
from cnnviz.shipped import model_path, resolve_model

HANDDRAWN = Path(__file__).resolve().parent / "data" / "handdrawn_letters"
LETTERS = [chr(c) for c in range(ord("A"), ord("Z") + 1)]


@pytest.fixture(scope="module")
def model():
    path = model_path("letters")
    if not path.is_file():
        pytest.skip(f"no shipped letters model at {path}")
    return load_model(path)


def test_letters_model_is_small_and_says_what_it_reads(model):
    assert resolve_model("letters") == model_path("letters")
    assert model_path("letters").stat().st_size <= 5 * 2 ** 20
    assert model.class_names == LETTERS
    assert model.input_shape == (1, 28, 28)
    assert model.dataset == "letters"
    assert model.command.startswith("python main.py train") and "--dataset letters" in model.command
    assert model.history["epochs"], "the training history is kept"


def test_letters_model_reads_letters_drawn_by_hand_in_the_app(model, capsys, qapp):
    files = sorted(HANDDRAWN.glob("*.png"))
    assert len(files) == 156 and {f.name[0] for f in files} == set(LETTERS)
    code = main(["predict", "--model", "letters", *map(str, files), "--json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["model"] == str(model_path("letters"))
    wrong = [(Path(p["file"]).stem, p["label"]) for p in result["predictions"] if p["label"] != Path(p["file"]).name[0]]
    accuracy = 1 - len(wrong) / len(files)
    with capsys.disabled():
        print(f"\nletters model on {len(files)} hand-drawn letters: {accuracy:.1%}; wrong: {wrong}")
    assert accuracy >= 0.90, wrong
