"""The command line: train, eval, predict, gradcheck and bench, each with --json."""
import gzip
import json
import struct

import numpy as np
import pytest

from cnnviz.cli.main import main

from synthetic import bars


def write_idx_dataset(folder, n_train=300, n_test=100):
    """MNIST-named gzip IDX files of 28x28 bar images (classes 0..2 of 10)."""
    folder.mkdir(parents=True)
    for split, n, seed in (("train", n_train, 1), ("t10k", n_test, 2)):
        x, y = bars(n, side=28, seed=seed)
        with gzip.open(folder / f"{split}-images-idx3-ubyte.gz", "wb") as f:
            f.write(struct.pack(">IIII", 0x803, n, 28, 28) + x.tobytes())
        with gzip.open(folder / f"{split}-labels-idx1-ubyte.gz", "wb") as f:
            f.write(struct.pack(">II", 0x801, n) + y.astype(np.uint8).tobytes())


def run_json(capsys, argv):
    code = main(argv + ["--json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


@pytest.fixture
def data_dir(tmp_path):
    write_idx_dataset(tmp_path / "data" / "mnist")
    return tmp_path / "data"


def test_train_then_eval_then_predict(tmp_path, data_dir, capsys):
    model = tmp_path / "m.npz"
    code, result = run_json(capsys, ["train", "--arch", "simple", "--init", "he", "--data-dir", str(data_dir),
                                     "--epochs", "2", "--batch", "20", "--out", str(model)])
    assert code == 0
    assert result["ended"] == "completed" and len(result["epochs"]) == 2
    assert result["test_accuracy"] > 0.9            # bars are easy
    from cnnviz.modelio import load_model
    assert 0 < load_model(model).extra["train_seconds"] <= result["seconds"] + 0.1

    code, report = run_json(capsys, ["eval", "--model", str(model), "--data-dir", str(data_dir)])
    assert code == 0
    assert report["images"] == 100
    assert report["accuracy"] == pytest.approx(result["test_accuracy"])
    cm = np.array(report["confusion_matrix"])
    assert cm.shape == (10, 10) and cm.sum() == 100
    assert [c["name"] for c in report["classes"]] == [str(i) for i in range(10)]

    from cnnviz.gui.widgets.qimage import array_to_qimage
    img = np.zeros((28, 28), np.uint8)
    img[:, 13:15] = 255                                 # a vertical bar: class 1
    path = tmp_path / "bar.png"
    assert array_to_qimage(img).save(str(path))
    code, pred = run_json(capsys, ["predict", "--model", str(model), str(path)])
    assert code == 0
    top = pred["predictions"][0]["top"]
    assert len(top) == 3 and top[0]["class"] == "1"
    assert sum(t["probability"] for t in top) <= 1.0 + 1e-6


def test_json_output_is_one_document_and_progress_goes_to_stderr(tmp_path, data_dir, capsys):
    code = main(["train", "--data-dir", str(data_dir), "--epochs", "1", "--limit", "100",
                 "--out", str(tmp_path / "m.npz"), "--json"])
    captured = capsys.readouterr()
    assert code == 0
    json.loads(captured.out)
    assert "epoch" in captured.err


def test_missing_data_gives_one_clear_error(tmp_path, capsys):
    code = main(["train", "--data-dir", str(tmp_path), "--no-download", "--epochs", "1"])
    err = capsys.readouterr().err
    assert code == 2
    assert "train-images-idx3-ubyte.gz" in err and str(tmp_path) in err
    assert "Traceback" not in err


def test_damaged_model_file_is_refused_cleanly(tmp_path, capsys):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"\x89PNG not a model")
    code = main(["predict", "--model", str(bad), str(bad)])
    assert code == 2
    assert "bad.npz" in capsys.readouterr().err


def test_predict_reports_an_empty_image_instead_of_classifying(tmp_path, data_dir, capsys):
    from cnnviz.gui.widgets.qimage import array_to_qimage
    model = tmp_path / "m.npz"
    main(["train", "--data-dir", str(data_dir), "--epochs", "1", "--limit", "100", "--out", str(model)])
    blank = tmp_path / "blank.png"
    array_to_qimage(np.full((40, 40), 255, np.uint8)).save(str(blank))
    capsys.readouterr()
    code, pred = run_json(capsys, ["predict", "--model", str(model), str(blank)])
    assert code == 1
    assert "empty" in pred["predictions"][0]["error"] and "label" not in pred["predictions"][0]


def test_gradcheck_command_reports_every_parameter(capsys):
    code, result = run_json(capsys, ["gradcheck", "--arch", "lenet5", "--entries", "5"])
    assert code == 0
    assert set(result["relative_errors"]) == {f"{l}.{p}" for l in ("conv1", "conv2", "fc1", "fc2", "fc3")
                                              for p in ("W", "b")}
    assert result["worst"] < 1e-4


def test_bench_command_reports_figures(capsys):
    code, result = run_json(capsys, ["bench", "--presets", "simple", "--seconds", "0.5"])
    assert code == 0
    r = result["presets"]["simple"]
    assert r["train_samples_per_s"] > 0 and r["trace_ms_p50"] > 0 and r["peak_memory_mb"] > 1
    assert r["params"] == 433890


def test_latencies_alternate_whole_warmed_windows():
    """cnnviz and PyTorch take turns by windows of back-to-back calls (3 untimed first), so
    neither is timed right after the other's call (PyTorch's threads spin on after one)."""
    from cnnviz.bench import interleaved_latencies
    log = []
    result = interleaved_latencies([lambda: log.append("a"), lambda: log.append("b")], repeats=10,
                                   windows=2, settle=0.0)
    assert "".join(log) == ("a" * 8 + "b" * 8) * 2
    assert [set(r) for r in result] == [{"p50", "p95"}] * 2


def test_bench_compare_torch_says_plainly_when_pytorch_is_missing(capsys, monkeypatch):
    from cnnviz import torchref
    monkeypatch.setattr(torchref, "available", lambda: False)
    code, result = run_json(capsys, ["bench", "--compare-torch", "--presets", "simple", "--seconds", "0.5"])
    assert code == 2
    assert "PyTorch" in result["error"] and "not installed" in result["error"]


def test_train_with_a_named_recipe_and_an_option_that_changes_it(tmp_path, data_dir, capsys):
    code, result = run_json(capsys, ["train", "--recipe", "fast", "--epochs", "1", "--data-dir", str(data_dir),
                                     "--out", str(tmp_path / "fast.npz")])
    assert code == 0 and result["ended"] == "completed" and len(result["epochs"]) == 1
    assert result["recipe"]["arch"] == "bn-conv" and result["recipe"]["schedule"] == "one-cycle"
    assert result["recipe"]["epochs"] == 1 and result["recipe"]["label_smoothing"] > 0
    from cnnviz.modelio import load_model
    model = load_model(tmp_path / "fast.npz")
    assert model.extra["recipe"]["arch"] == "bn-conv" and set(model.network.state) >= {"bn1.mean", "bn1.var"}


# ---------------------------------------------------------------- bad input, one clear answer

def refused(capsys, argv):
    """Run ``argv --json``; return (exit code, the one JSON document's error text, stderr)."""
    code = main(argv + ["--json"])
    captured = capsys.readouterr()
    document = json.loads(captured.out)          # exactly one document, or this raises
    assert set(document) == {"error"}
    assert "Traceback" not in captured.err
    return code, document["error"], captured.err


@pytest.mark.parametrize("argv, option", [
    (["train", "--batch", "0"], "--batch"),
    (["train", "--epochs", "0"], "--epochs"),
    (["train", "--limit", "0"], "--limit"),
    (["train", "--limit", "-5"], "--limit"),
    (["train", "--lr", "0"], "--lr"),
    (["train", "--lr", "inf"], "--lr"),
    (["train", "--lr", "fast"], "--lr"),
    (["train", "--weight-decay", "-0.1"], "--weight-decay"),
    (["train", "--dropout", "1"], "--dropout"),
    (["train", "--seed", "-1"], "--seed"),
    (["eval", "--model", "m.npz", "--batch", "0"], "--batch"),
    (["predict", "--top", "0", "x.png"], "--top"),
    (["gradcheck", "--entries", "0"], "--entries"),
    (["gradcheck", "--entries", "-3"], "--entries"),
    (["gradcheck", "--batch", "0"], "--batch"),
    (["bench", "--seconds", "0"], "--seconds"),
    (["bench", "--gui", "--headless-seconds", "nan"], "--headless-seconds"),
    (["screenshot", "--train", "-1"], "--train"),
])
def test_bad_numbers_are_refused_before_anything_runs(argv, option, data_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    if argv[0] == "train":
        argv = argv + ["--data-dir", str(data_dir)]      # everything else would let it train
    code, error, err = refused(capsys, argv)
    assert code == 2
    assert error.startswith(f"argument {option}:") and argv[argv.index(option) + 1] in error
    assert "training " not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]    # no model.npz written


@pytest.mark.parametrize("argv, words", [
    (["train", "--arch", "bogus"], ["--arch", "bogus", "simple"]),
    (["train", "--frobnicate"], ["unrecognized", "--frobnicate"]),
    (["eval"], ["--model", "required"]),
    (["predict"], ["IMAGE", "required"]),
])
def test_usage_errors_under_json_are_one_json_document(argv, words, capsys):
    code, error, _err = refused(capsys, argv)
    assert code == 2
    assert all(w in error for w in words), error


@pytest.mark.parametrize("out, words", [
    ("missing-folder/m.npz", ["does not exist", "missing-folder"]),
    ("m.txt", [".npz"]),
    ("folder.npz", ["is a folder"]),
])
def test_unwritable_out_is_refused_before_training(out, words, tmp_path, data_dir, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder.npz").mkdir()
    code, error, err = refused(capsys, ["train", "--data-dir", str(data_dir), "--epochs", "1", "--out", out])
    assert code == 2
    assert all(w in error for w in words), error
    assert "training " not in err              # refused up front, not after the training


def test_internal_error_is_reported_as_json_without_a_traceback(monkeypatch, capsys):
    from cnnviz.cli import commands

    def broken(args):
        return 1 / 0
    helptext, add_args, _run = commands.COMMANDS["gradcheck"]
    monkeypatch.setitem(commands.COMMANDS, "gradcheck", (helptext, add_args, broken))
    code, error, err = refused(capsys, ["gradcheck"])
    assert code == 3
    assert "internal error" in error and "ZeroDivisionError" in error and "gradcheck" in error
    assert "internal error" in err


def test_json_document_is_strict_json_with_numpy_and_nan():
    from cnnviz.cli.main import json_document

    def refuse(name):
        raise AssertionError(f"{name} is not JSON")
    text = json_document({"loss": np.float32("nan"), "acc": np.float64(0.5), "cm": np.eye(2, dtype=int),
                          "worst": float("inf"), "steps": (np.int64(3),)})
    assert json.loads(text, parse_constant=refuse) == {"loss": None, "acc": 0.5, "cm": [[1, 0], [0, 1]],
                                                       "worst": None, "steps": [3]}


def test_recipe_refuses_settings_the_app_could_pass(data_dir):
    from cnnviz.data import load_dataset
    from cnnviz.train.recipe import Recipe, prepare
    data = load_dataset("mnist", data_dir=data_dir, download=False)
    for bad in ({"limit": 0}, {"limit": -5}, {"epochs": 0}, {"batch": 0}, {"lr": float("nan")},
                {"weight_decay": -1.0}, {"dropout": 1.0}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            prepare(Recipe(**bad), data)
    assert len(prepare(Recipe(limit=50), data).x) == 50


# ---------------------------------------------------------------- eval: is the model meant for this data?

def write_untrained_model(path, dataset, class_names):
    from cnnviz.modelio import save_model
    from cnnviz.nn import Network, preset_spec
    save_model(path, Network(preset_spec("simple"), seed=0), class_names, dataset=dataset)


def test_eval_warns_when_the_model_was_made_for_another_data_set(tmp_path, data_dir, capsys):
    write_idx_dataset(data_dir / "fashion-mnist")
    digits = tmp_path / "digits.npz"
    write_untrained_model(digits, "mnist", [str(d) for d in range(10)])

    code, report = run_json(capsys, ["eval", "--model", str(digits), "--dataset", "mnist",
                                     "--data-dir", str(data_dir)])
    assert code == 0 and report["warnings"] == []

    code = main(["eval", "--model", str(digits), "--dataset", "fashion-mnist", "--data-dir", str(data_dir),
                 "--json"])
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert code == 0 and report["images"] == 100           # warned, not refused
    dataset_warning, names_warning = report["warnings"]
    assert "mnist" in dataset_warning and "fashion-mnist" in dataset_warning
    assert "T-shirt/top" in names_warning
    assert captured.err.count("warning: ") == 2


def test_eval_warns_about_other_class_names_even_without_a_recorded_data_set(tmp_path, data_dir, capsys):
    letters = tmp_path / "letters.npz"
    write_untrained_model(letters, None, list("ABCDEFGHIJ"))
    code, report = run_json(capsys, ["eval", "--model", str(letters), "--data-dir", str(data_dir)])
    assert code == 0
    assert len(report["warnings"]) == 1 and "(A, B, C, D, ...)" in report["warnings"][0]


# ---------------------------------------------------------------- progress bar

class Clock:
    def __init__(self, step):
        self.now, self.step = 0.0, step

    def __call__(self):
        self.now += self.step
        return self.now


def test_progress_in_a_log_shows_bytes_when_the_total_is_unknown():
    import io
    from cnnviz.cli.progress import LOG_SECONDS, ProgressBar, bytes_text
    log = io.StringIO()
    bar = ProgressBar("downloading", stream=log, clock=Clock(LOG_SECONDS / 4))
    for done in range(0, 20 * 65536 + 1, 65536):
        bar.update(done, None, bytes_text(done))
    bar.close()
    lines = log.getvalue().splitlines()
    assert 2 <= len(lines) <= 8                 # a line every LOG_SECONDS, not one per chunk
    assert lines[0] == "downloading 0 B" and lines[-1] == "downloading 1.2 MB"


def test_progress_in_a_log_with_a_total_writes_a_line_per_tenth():
    import io
    from cnnviz.cli.progress import ProgressBar
    log = io.StringIO()
    bar = ProgressBar("epoch 1/1", stream=log)
    for step in range(1, 101):
        bar.update(step, 100)
    bar.close()
    lines = log.getvalue().splitlines()
    assert len(lines) == 11 and lines[-1].startswith("epoch 1/1 [" + "#" * 30 + "] 100%")


def test_bench_eval_gui_runs_in_a_fresh_process(tmp_path):
    """`bench --eval-gui` makes its own QApplication (it once let it be deleted at once and
    aborted with "Must construct a QApplication before a QWidget")."""
    import os
    import subprocess
    import sys
    from pathlib import Path
    write_idx_dataset(tmp_path / "data" / "mnist", n_train=10, n_test=200)
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, str(root / "main.py"), "bench", "--eval-gui", "--data-dir",
                           str(tmp_path / "data"), "--json"], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["images"] == 200 and result["timer_lateness_ms"]["n"] > 0
    assert result["phases"]["evaluating_and_drawing"]["evaluation_s"] > 0
