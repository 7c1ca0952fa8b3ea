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
    assert model.is_file()

    code, report = run_json(capsys, ["eval", "--model", str(model), "--data-dir", str(data_dir)])
    assert code == 0
    assert report["images"] == 100
    assert report["accuracy"] == pytest.approx(result["test_accuracy"])
    cm = np.array(report["confusion_matrix"])
    assert cm.shape == (10, 10) and cm.sum() == 100
    assert [c["name"] for c in report["classes"]] == [str(i) for i in range(10)]

    from cnnviz.gui.imagefile import array_to_qimage
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
    from cnnviz.gui.imagefile import array_to_qimage
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
