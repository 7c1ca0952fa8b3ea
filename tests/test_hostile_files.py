"""Files that used to crash, hang or exhaust the memory: each now gives one clear sentence.

Reading that could crash the process or hang it runs in a subprocess, so a
regression fails the test instead of taking the test run down with it.
"""
import json
import os
import pickle
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from cnnviz.gui import imagefile
from cnnviz.gui.imagefile import ImageReadError, read_image
from cnnviz.modelio import ModelFileError, batch_that_fits, load_model, open_any_model, save_model
from cnnviz.nn import Network, preset_spec
from cnnviz.nn.network import MAX_LAYERS
from cnnviz.nn.registry import SpecError
from cnnviz.safepickle import safe_load

from fuzzcorpus import TINY_MODEL, digit, model_seed, png_declaring, qt_bytes

LONG = "n" * 300
ROOT = Path(__file__).resolve().parents[1]
DIGITS_MODEL = str(ROOT / "resources" / "models" / "digits.npz")


def run_python(code: str, *args, timeout: float = 60):
    """Run ``code`` in a fresh interpreter; a hang fails the test instead of hanging the run."""
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})


READ_IN_SUBPROCESS = (
    "import sys\n"
    "from cnnviz.gui.imagefile import ImageReadError, read_image\n"
    "for path in sys.argv[1:]:\n"
    "    try:\n"
    "        print(path, read_image(path).shape)\n"
    "    except ImageReadError as e:\n"
    "        print(path, 'refused:', e)\n")


# -- 1, 2: TIFF and SVG -------------------------------------------------------------
def test_a_valid_tiff_is_read_without_crashing_the_process(tmp_path):
    rgb = np.repeat(digit(np.random.default_rng(0), 40)[:, :, None], 3, axis=2)
    path = tmp_path / "digit.tiff"
    path.write_bytes(qt_bytes(rgb, "TIFF"))
    result = run_python(READ_IN_SUBPROCESS, path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{path} (40, 40, 3)"
    np.testing.assert_array_equal(read_image(path), rgb)


@pytest.mark.parametrize("svg", [
    b'<svg xmlns="http://www.w3.org/2000/svg" width="28" height="28"><text x="4" y="24">7</text></svg>',
    b'<svg xmlns="http://www.w3.org/2000/svg" width="20000" height="20000"><rect width="9" height="9"/></svg>',
])
def test_svg_is_refused_with_a_sentence_and_never_rendered(tmp_path, svg):
    path = tmp_path / "drawing.svg"
    path.write_bytes(svg)
    result = run_python(READ_IN_SUBPROCESS, path)
    assert result.returncode == 0, result.stderr
    assert "refused:" in result.stdout and "SVG drawings are not read" in result.stdout
    assert "export it as PNG" in result.stdout


# -- 3: pixel limit -------------------------------------------------------------------
@pytest.mark.parametrize("width, height, bits", [(30000, 30000, 8), (65535, 65535, 1)])
def test_images_over_the_pixel_limit_are_refused_from_the_header(tmp_path, width, height, bits):
    path = tmp_path / "huge.png"
    path.write_bytes(png_declaring(width, height, bits))
    assert path.stat().st_size < 2_000_000
    with pytest.raises(ImageReadError, match=rf"it is {width}x{height} pixels .* megapixels are read"):
        read_image(path)


def test_a_jpeg_over_the_limit_is_scaled_on_read_and_other_formats_are_refused(tmp_path, monkeypatch):
    picture = np.zeros((100, 200, 3), np.uint8)
    picture[:, 100:] = 255
    jpeg, png = tmp_path / "wide.jpg", tmp_path / "wide.png"
    jpeg.write_bytes(qt_bytes(picture, "JPEG", 95))
    png.write_bytes(qt_bytes(picture, "PNG"))
    monkeypatch.setattr(imagefile, "MAX_PIXELS", 5000)
    small = read_image(jpeg)
    assert small.shape[0] * small.shape[1] <= 5000
    assert small.shape[1] == pytest.approx(2 * small.shape[0], abs=1)       # the aspect ratio is kept
    assert small[:, :small.shape[1] // 2 - 2].max() < 40 and small[:, small.shape[1] // 2 + 2:].min() > 215
    with pytest.raises(ImageReadError, match="200x100 pixels"):
        read_image(png)


# -- 4: only regular files, with a size cap ---------------------------------------------
def test_a_fifo_and_a_device_are_refused_without_reading(tmp_path):
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    result = run_python(READ_IN_SUBPROCESS, fifo, "/dev/zero", timeout=30)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "named pipe (FIFO), not a regular file" in lines[0]
    assert "/dev/zero refused:" in lines[1] and "a device, not a regular file" in lines[1]


def test_files_over_the_size_cap_are_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "big.png"
    path.write_bytes(qt_bytes(digit(np.random.default_rng(1)), "PNG"))
    monkeypatch.setattr(imagefile, "MAX_FILE_BYTES", path.stat().st_size - 1)
    with pytest.raises(ImageReadError, match=r"big\.png: it is \d+ bytes; at most"):
        read_image(path)


def test_model_and_data_readers_refuse_a_fifo_too(tmp_path):
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    code = ("import sys\n"
            "from cnnviz.modelio import ModelFileError, open_any_model\n"
            "from cnnviz.data.idx import read_idx\n"
            "from cnnviz.data.errors import DataFormatError\n"
            "for read, error in ((open_any_model, ModelFileError), (read_idx, DataFormatError)):\n"
            "    try:\n"
            "        read(sys.argv[1])\n"
            "    except error as e:\n"
            "        print(e)\n")
    result = run_python(code, fifo, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("named pipe (FIFO), not a regular file") == 2, result.stdout


# -- 6: pickles whose references are shared -----------------------------------------------
def test_a_pickle_of_shared_references_is_checked_in_linear_time(tmp_path):
    value = [1.0]
    for _ in range(45):                       # 2**45 paths through 46 objects
        value = [value, value]
    path = tmp_path / "shared.pkl"
    path.write_bytes(pickle.dumps(value, protocol=2))
    assert path.stat().st_size < 400
    code = "import sys\nfrom cnnviz.safepickle import safe_load\nprint(len(safe_load(open(sys.argv[1], 'rb').read())))\n"
    result = run_python(code, path, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "2", result.stderr
    loaded = safe_load(path.read_bytes())
    assert loaded[0] is loaded[1]


# -- 7: absurd layer counts -----------------------------------------------------------------
def test_layer_count_is_limited_and_names_are_checked_in_linear_time():
    relus = [{"type": "relu"} for _ in range(MAX_LAYERS - 2)]
    spec = {"input_shape": [1, 4, 4], "layers": [*relus, {"type": "flatten"}, {"type": "dense", "units": 2}]}
    assert len(Network(spec).layers) == MAX_LAYERS
    spec["layers"].insert(0, {"type": "relu"})
    with pytest.raises(SpecError, match=f"at most {MAX_LAYERS:,} layers"):
        Network(spec)
    inside = {"input_shape": [1, 4, 4], "layers": [
        {"type": "residual", "layers": [{"type": "relu"} for _ in range(MAX_LAYERS)]},
        {"type": "flatten"}, {"type": "dense", "units": 2}]}
    with pytest.raises(SpecError, match="counting those inside residual blocks"):
        Network(inside)


def test_a_model_file_with_100k_layers_is_refused(tmp_path):
    path = tmp_path / "layers.npz"
    path.write_bytes(model_seed("layers.npz"))
    with pytest.raises(ModelFileError, match="at most 1,000 layers, this one has 100,004"):
        load_model(path)


# -- 8: the work a file implies ---------------------------------------------------------
@pytest.mark.parametrize("name, words", [
    ("im2col.npz", "48.6 GiB"), ("activation.npz", "0.7 GiB"), ("wide.npz", "0.3 GiB"), ("fft.npz", "0.9 GiB"),
])
def test_models_whose_work_per_image_is_absurd_are_refused(tmp_path, name, words):
    path = tmp_path / name
    path.write_bytes(model_seed(name))
    with pytest.raises(ModelFileError, match=f"to classify one image .*{words}|{words}.*to classify one image"):
        load_model(path)


def big_model(tmp_path):
    """A model of 28x28 digits whose one image needs about 5 MB of work (a wide first convolution)."""
    spec = {"name": "wide", "input_shape": [1, 28, 28], "layers": [
        {"type": "conv", "filters": 400, "kernel": 3, "padding": "same"}, {"type": "relu"},
        {"type": "maxpool", "kernel": 28, "stride": 28}, {"type": "flatten"}, {"type": "dense", "units": 10}]}
    path = tmp_path / "wide.npz"
    save_model(path, Network(spec), [str(i) for i in range(10)])
    return path


def test_eval_lowers_its_batch_to_fit_instead_of_failing(tmp_path, capsys):
    from test_cli import run_json, write_idx_dataset
    write_idx_dataset(tmp_path / "data" / "mnist", n_train=10, n_test=20)
    model = big_model(tmp_path)
    batch = batch_that_fits(load_model(model).network, 500)
    assert 1 <= batch < 500
    code, report = run_json(capsys, ["eval", "--model", str(model), "--data-dir", str(tmp_path / "data"),
                                     "--batch", "500"])
    assert code == 0 and report["images"] == 20 and report["batch"] == batch
    assert any(f"batch lowered from 500 to {batch}" in w for w in report["warnings"])


# -- 9: names too long for the file system ----------------------------------------------
@pytest.mark.parametrize("argv, words", [
    (["predict", "--model", f"/tmp/{LONG}.npz", "x.png"], "the name is too long for the file system"),
    (["eval", "--model", DIGITS_MODEL, "--data-dir", f"/tmp/{LONG}"], "cannot create the folder"),
    (["train", "--out", f"/tmp/{LONG}.npz", "--epochs", "1"], "choose a shorter name"),
])
def test_names_too_long_for_the_file_system_are_input_problems(argv, words, capsys):
    from cnnviz.cli.main import main
    code = main(argv + ["--json"])
    out = capsys.readouterr().out
    assert code == 2, out
    assert words in json.loads(out)["error"]


# -- 13: orphan temporary files, and unwritable folders ----------------------------------
def test_orphan_temporary_files_of_a_killed_save_are_removed_by_the_next_save(tmp_path):
    orphan = tmp_path / ".model.npz.0123abcd.tmp"
    orphan.write_bytes(b"half a model")
    os.utime(orphan, (1_000_000_000, 1_000_000_000))
    fresh = tmp_path / ".other.npz.89abcdef.tmp"       # another save might be writing it right now
    fresh.write_bytes(b"being written")
    mine = tmp_path / "notes.tmp"                      # not one of ours
    mine.write_bytes(b"keep me")
    save_model(tmp_path / "model.npz", Network(TINY_MODEL), [str(i) for i in range(10)])
    assert not orphan.exists()
    assert fresh.exists() and mine.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.npz.89abcdef.tmp", "model.npz", "notes.tmp"]


def test_a_locked_temporary_file_is_never_taken_for_an_orphan(tmp_path):
    from cnnviz.modelio.atomic import create_temporary, remove_orphans
    fd, tmp = create_temporary(tmp_path / "model.npz")
    try:
        os.utime(tmp, (1_000_000_000, 1_000_000_000))
        assert remove_orphans(tmp_path) == 0 and tmp.exists()
    finally:
        os.close(fd)
    assert remove_orphans(tmp_path) == 1 and not tmp.exists()


@pytest.mark.parametrize("folder", ["/proc", "/sys"])
def test_a_pseudo_file_system_as_out_folder_is_refused_before_training(folder, capsys):
    from cnnviz.cli.main import main
    code = main(["train", "--out", f"{folder}/model.npz", "--epochs", "1", "--json"])
    error = json.loads(capsys.readouterr().out)["error"]
    assert code == 2 and f"cannot write model.npz in the folder {folder}" in error


# -- the textbook's params.pkl through the command line ------------------------------------
def test_predict_and_eval_accept_the_textbook_params_pkl(tmp_path, capsys):
    from test_cli import run_json, write_idx_dataset
    from test_modelio import textbook_params
    pkl = tmp_path / "params.pkl"
    pkl.write_bytes(pickle.dumps(textbook_params(np.random.default_rng(0))))
    assert open_any_model(pkl).network.name == "simple"
    write_idx_dataset(tmp_path / "data" / "mnist", n_train=10, n_test=30)
    code, report = run_json(capsys, ["eval", "--model", str(pkl), "--data-dir", str(tmp_path / "data")])
    assert code == 0 and report["images"] == 30
    image = tmp_path / "digit.png"
    image.write_bytes(qt_bytes(digit(np.random.default_rng(2)), "PNG"))
    code, result = run_json(capsys, ["predict", "--model", str(pkl), str(image)])
    assert code == 0 and result["predictions"][0]["label"] in [str(i) for i in range(10)]


def test_open_any_model_tells_the_formats_apart_by_content(tmp_path):
    from test_modelio import textbook_params
    disguised = tmp_path / "model.bin"
    disguised.write_bytes(pickle.dumps(textbook_params(np.random.default_rng(0))))
    assert open_any_model(disguised).class_names == [str(i) for i in range(10)]
    npz = tmp_path / "weights.pkl"
    save_model(npz, Network(preset_spec("simple")), [str(i) for i in range(10)])
    assert zipfile.is_zipfile(npz) and open_any_model(npz).network.name == "simple"
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    with pytest.raises(ModelFileError, match="not an .npz archive"):
        open_any_model(other)


def test_an_unreadable_image_exits_1_as_the_readme_says(tmp_path, capsys):
    from cnnviz.cli.main import main
    readme = (ROOT / "README.md").read_text()
    codes = " ".join(readme[readme.index("Exit codes:"):readme.index("130 interrupted")].split())
    failed, usage = codes.split("; 1 ")[1].split("; 2 ")
    assert "an image `predict` could not read" in failed and "image" not in usage
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image at all")
    assert main(["predict", "--json", str(bad)]) == 1
    assert "not an image file" in json.loads(capsys.readouterr().out)["predictions"][0]["error"]


@pytest.mark.parametrize("size", ["100000x100000", "0x0"])
def test_screenshot_size_is_bounded(tmp_path, size):
    result = subprocess.run([sys.executable, "main.py", "screenshot", "--size", size, "--out", str(tmp_path),
                             "--json"], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 2, result.stderr
    assert "the width must be 320 to 7680 and the height 240 to 4320 pixels" in json.loads(result.stdout)["error"]
    assert not list(tmp_path.iterdir())


# -- 5: a batch with bad files keeps the good results ----------------------------------------
def test_a_mixed_batch_answers_every_good_file_in_one_json_document(tmp_path):
    rng = np.random.default_rng(3)
    good = tmp_path / "good.png"
    good.write_bytes(qt_bytes(digit(rng), "PNG"))
    tiff = tmp_path / "good.tiff"
    tiff.write_bytes(qt_bytes(digit(rng), "TIFF"))
    svg = tmp_path / "text.svg"
    svg.write_bytes(b'<svg xmlns="http://www.w3.org/2000/svg" width="28" height="28"><text>7</text></svg>')
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    wide = tmp_path / "wide.png"
    wide.write_bytes(png_declaring(30000, 30000))
    files = [good, svg, tiff, fifo, "/dev/zero", wide, tmp_path / "missing.png"]
    result = subprocess.run([sys.executable, "main.py", "predict", "--json", *map(str, files)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    predictions = json.loads(result.stdout)["predictions"]
    assert [p["file"] for p in predictions] == [str(f) for f in files]
    assert [("label" in p) for p in predictions] == [True, False, True, False, False, False, False]


# -- 10: data sets whose header overflows, and empty splits ----------------------------------
def test_an_idx_header_whose_size_overflows_is_refused():
    from cnnviz.data.errors import DataFormatError
    from cnnviz.data.idx import read_idx
    overflowing = bytes([0, 0, 8, 4]) + (65536).to_bytes(4, "big") * 4     # 2**64 bytes, 0 as int64
    with pytest.raises(DataFormatError, match=r"promises shape \(65536, 65536, 65536, 65536\) "
                                              r"\(18446744073709551616 bytes"):
        read_idx(overflowing)


def test_eval_on_an_empty_test_split_is_an_input_problem(tmp_path, capsys):
    import gzip
    from cnnviz.cli.main import main
    folder = tmp_path / "data" / "mnist"
    folder.mkdir(parents=True)
    (folder / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(bytes([0, 0, 8, 3]) + bytes(4) +
                                                                     (28).to_bytes(4, "big") * 2))
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(bytes([0, 0, 8, 1]) + bytes(4)))
    code = main(["eval", "--json", "--no-download", "--model", DIGITS_MODEL,
                 "--data-dir", str(tmp_path / "data")])
    assert code == 2
    assert "the split holds no images" in json.loads(capsys.readouterr().out)["error"]
