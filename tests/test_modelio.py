"""Model files: round trips, atomic saves, and damaged or hostile files refused."""
import io
import json
import os
import pickle
import zipfile

import numpy as np
import pytest

from cnnviz.modelio import format as model_format, size as model_size
from cnnviz.modelio import ModelFileError, import_textbook_params, load_model, save_model
from cnnviz.nn import PRESETS, Network, preset_spec

DIGITS = [str(i) for i in range(10)]


def make_net(preset="simple", shape=(1, 28, 28), classes=10, seed=1):
    return Network(preset_spec(preset, shape, classes), seed=seed)


@pytest.fixture
def saved(tmp_path):
    """A valid saved `simple` model: (path, network)."""
    net = make_net()
    path = tmp_path / "model.npz"
    save_model(path, net, DIGITS, history={"loss": [2.3, 0.4]}, dataset="mnist", test_accuracy=0.97)
    return path, net


def read_entries(path):
    """{entry name: array} of an archive, read back with pickles refused."""
    with np.load(path, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def write_entries(path, entries, **savez_options):
    np.savez(path, **entries, **savez_options)


def meta_of(path):
    return json.loads(read_entries(path)["meta"].tobytes().decode("utf-8"))


def with_meta(entries, meta):
    return {**entries, "meta": np.frombuffer(json.dumps(meta).encode("utf-8"), np.uint8)}


def refused(path, *words):
    """Load ``path``, expect ModelFileError naming the file and containing ``words``."""
    with pytest.raises(ModelFileError) as info:
        load_model(path)
    message = str(info.value)
    assert str(path) in message
    for word in words:
        assert word in message, message
    return message


# -- round trips ---------------------------------------------------------------

@pytest.mark.parametrize("preset,shape,names", [
    ("simple", (1, 28, 28), DIGITS),
    ("resnet-mini", (3, 32, 32), [chr(ord("A") + i) for i in range(26)]),
    ("liteocr", (1, 28, 28), [chr(ord("A") + i) for i in range(26)]),
])
def test_round_trip_keeps_weights_predictions_and_meta(tmp_path, preset, shape, names):
    net = make_net(preset, shape, len(names), seed=7)
    history = {"train_acc": [0.5, np.float32(0.75)], "test_acc": [0.5, None],
               "batches": [{"epoch": 1, "loss": 1.25, "note": "warm-up"}]}
    path = tmp_path / "m.npz"
    save_model(path, net, names, preprocessing={"kind": "resize-rgb", "scale": "1/255"},
               history=history, dataset="emnist-letters", test_accuracy=0.875,
               command="cnnviz train --preset x", extra={"optimizer": "adam", "lr": 0.001})

    model = load_model(path)

    assert model.network.spec() == net.spec()
    assert set(model.network.params) == set(net.params)
    for name, value in net.params.items():
        loaded = model.network.params[name]
        assert loaded.dtype == np.float32
        np.testing.assert_array_equal(loaded, value)
    x = np.random.default_rng(0).random((3,) + shape, dtype=np.float32)
    np.testing.assert_array_equal(model.network.forward(x), net.forward(x))
    assert model.class_names == names
    assert model.input_shape == shape
    assert model.preprocessing == {"kind": "resize-rgb", "scale": "1/255"}
    assert model.history == {"train_acc": [0.5, 0.75], "test_acc": [0.5, None],
                             "batches": [{"epoch": 1, "loss": 1.25, "note": "warm-up"}]}
    assert model.dataset == "emnist-letters"
    assert model.test_accuracy == 0.875
    assert model.command == "cnnviz train --preset x"
    assert model.extra == {"optimizer": "adam", "lr": 0.001}
    assert model.meta["format"] == "cnnviz-model" and model.meta["format_version"] == 1
    assert model.meta["cnnviz_version"]
    assert model.created.endswith("+00:00")


def test_archive_entries_are_prefixed_parameters_and_meta(saved):
    path, net = saved
    with zipfile.ZipFile(path) as zf:
        names = sorted(zf.namelist())
        assert all(info.compress_type == zipfile.ZIP_STORED for info in zf.infolist())
    assert names == sorted(["meta.npy"] + [f"param/{n}.npy" for n in net.params])
    meta = meta_of(path)
    assert meta["class_names"] == DIGITS and meta["input_shape"] == [1, 28, 28]
    assert meta["preprocessing"]["kind"] == "mnist-centre"


def test_defaults_and_non_finite_history_become_null(tmp_path):
    net = make_net("resnet-mini", (3, 16, 16), 3)
    path = tmp_path / "m.npz"
    save_model(path, net, ["cat", "dog", "car"], history={"loss": [1.0, float("nan"), np.inf]})
    model = load_model(path)
    assert model.history == {"loss": [1.0, None, None]}
    assert model.preprocessing["kind"] == "resize-rgb"
    assert (model.dataset, model.test_accuracy, model.command, model.extra) == (None, None, None, {})


def test_compressed_archive_is_read_too(saved, tmp_path):
    path, net = saved
    other = tmp_path / "compressed.npz"
    np.savez_compressed(other, **read_entries(path))
    x = np.ones((1, 1, 28, 28), np.float32)
    np.testing.assert_array_equal(load_model(other).network.forward(x), net.forward(x))


def test_unknown_meta_keys_are_ignored(saved, tmp_path):
    path, _ = saved
    meta = meta_of(path)
    meta["added_in_version_7"] = {"__reduce__": "os.system", "code": "import os"}
    other = tmp_path / "future.npz"
    write_entries(other, with_meta(read_entries(path), meta))
    assert load_model(other).meta["added_in_version_7"]["code"] == "import os"


# -- atomic saving -------------------------------------------------------------

def test_save_leaves_no_temporary_files_and_overwrites(tmp_path):
    path = tmp_path / "ckpt.npz"
    first, second = make_net(seed=1), make_net(seed=2)
    save_model(path, first, DIGITS)
    save_model(path, second, DIGITS)
    assert sorted(os.listdir(tmp_path)) == ["ckpt.npz"]
    np.testing.assert_array_equal(load_model(path).network.params["conv1.W"], second.params["conv1.W"])


def test_failed_save_keeps_the_old_file_and_cleans_up(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    old = make_net(seed=1)
    save_model(path, old, DIGITS)
    before = path.read_bytes()

    def crash_midway(fh, **entries):
        fh.write(b"PK\x03\x04 half an archive")
        raise OSError("disk full")

    monkeypatch.setattr(model_format.np, "savez", crash_midway)
    with pytest.raises(ModelFileError, match="disk full"):
        save_model(path, make_net(seed=2), DIGITS)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["ckpt.npz"]


def test_save_refuses_bad_arguments_without_writing(tmp_path):
    path = tmp_path / "m.npz"
    net = make_net()
    with pytest.raises(ModelFileError, match="3 class names but the network outputs 10"):
        save_model(path, net, ["a", "b", "c"])
    with pytest.raises(ModelFileError, match="unknown kind 'jpeg'"):
        save_model(path, net, DIGITS, preprocessing={"kind": "jpeg"})
    with pytest.raises(ModelFileError, match="test_accuracy"):
        save_model(path, net, DIGITS, test_accuracy=97.0)
    with pytest.raises(ModelFileError, match="extra"):
        save_model(path, net, DIGITS, extra={"callback": print})
    with pytest.raises(ModelFileError, match="no-such-folder"):
        save_model(tmp_path / "no-such-folder" / "m.npz", net, DIGITS)
    assert os.listdir(tmp_path) == []


# -- damaged files -------------------------------------------------------------

def test_missing_file_and_folder(tmp_path):
    refused(tmp_path / "nothing.npz", "no such file")
    refused(tmp_path, "not a regular file")


def test_random_bytes_png_and_truncated_archive(saved, tmp_path):
    path, _ = saved
    noise = tmp_path / "noise.npz"
    noise.write_bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    refused(noise, "not an .npz archive")
    png = tmp_path / "picture.npz"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(200))
    refused(png, "not an .npz archive")
    data = path.read_bytes()
    for keep in (len(data) // 2, len(data) - 10):
        cut = tmp_path / f"cut{keep}.npz"
        cut.write_bytes(data[:keep])
        refused(cut, "not an .npz archive")
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    refused(empty, "not an .npz archive")


def test_corrupted_array_data_is_refused(saved, tmp_path):
    path, _ = saved
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("param/fc1.W.npy")
    middle = info.header_offset + 200 + info.compress_size // 2   # inside the stored array bytes
    data[middle:middle + 8] = b"\xff" * 8
    damaged = tmp_path / "damaged.npz"
    damaged.write_bytes(bytes(data))
    refused(damaged, "'param/fc1.W'", "damaged")


def test_missing_meta_entry(saved, tmp_path):
    path, _ = saved
    entries = read_entries(path)
    del entries["meta"]
    other = tmp_path / "nometa.npz"
    write_entries(other, entries)
    refused(other, "no 'meta' entry")


@pytest.mark.parametrize("raw,words", [
    (b"{not json", ("not valid JSON",)),
    (b"\xff\xfe\x00", ("not UTF-8",)),
    (b"[1, 2, 3]", ("must be a JSON object",)),
    (b'{"format": "cnnviz-model", "format_version": NaN}', ("NaN",)),
])
def test_meta_that_is_not_json(saved, tmp_path, raw, words):
    path, _ = saved
    other = tmp_path / "badmeta.npz"
    write_entries(other, {**read_entries(path), "meta": np.frombuffer(raw, np.uint8)})
    refused(other, *words)


def test_number_too_large_for_a_float_is_refused(saved, tmp_path):
    path, _ = saved
    text = json.dumps({**meta_of(path), "history": {"loss": [12345]}}).replace("12345", "1e400")
    other = tmp_path / "overflow.npz"
    write_entries(other, {**read_entries(path), "meta": np.frombuffer(text.encode(), np.uint8)})
    refused(other, "'history'['loss'][0]", "finite")


def test_meta_of_the_wrong_dtype(saved, tmp_path):
    path, _ = saved
    other = tmp_path / "floatmeta.npz"
    write_entries(other, {**read_entries(path), "meta": np.zeros(5, np.float64)})
    refused(other, "1-D uint8")


@pytest.mark.parametrize("change,words", [
    (lambda m: m.update(class_names="0123456789"), ("'class_names'", "list")),
    (lambda m: m.update(class_names=[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), ("'class_names'[0]", "text")),
    (lambda m: m.update(class_names=["a"] * 10), ("repeats 'a'",)),
    (lambda m: m.update(class_names=DIGITS[:9]), ("9 class names", "outputs 10 classes")),
    (lambda m: m.update(test_accuracy="high"), ("'test_accuracy'",)),
    (lambda m: m.update(test_accuracy=1.5), ("'test_accuracy'",)),
    (lambda m: m.update(dataset=5), ("'dataset'",)),
    (lambda m: m.update(command=["rm", "-rf"]), ("'command'",)),
    (lambda m: m.update(created="yesterday"), ("'created'", "ISO")),
    (lambda m: m.update(history=[1, 2]), ("'history'", "JSON object")),
    (lambda m: m.update(history={"loss": "high"}), ("'history'['loss']", "list")),
    (lambda m: m.update(history={"loss": [0.5, "x"]}), ("'history'['loss'][1]",)),
    (lambda m: m.update(history={"loss": [float("inf")]}), ("Infinity", "not a number JSON allows")),
    (lambda m: m.update(preprocessing="mnist"), ("'preprocessing'", "JSON object")),
    (lambda m: m.update(preprocessing={"kind": "exec"}), ("unknown kind 'exec'", "mnist-centre")),
    (lambda m: m.update(extra=[1]), ("'extra'",)),
    (lambda m: m.update(input_shape=[1, 32, 32]), ("'input_shape'", "differs")),
    (lambda m: m.update(input_shape="28x28"), ("'input_shape'",)),
    (lambda m: m.update(format="keras"), ("'format'", "keras")),
    (lambda m: m.update(format_version=2), ("version 2", "newer")),
    (lambda m: m.pop("architecture"), ("lacks the field 'architecture'",)),
    (lambda m: m.update(architecture="simple"), ("'architecture'", "JSON object")),
])
def test_meta_with_wrong_fields(saved, tmp_path, change, words):
    path, _ = saved
    meta = meta_of(path)
    change(meta)
    other = tmp_path / "fields.npz"
    write_entries(other, with_meta(read_entries(path), meta))
    refused(other, *words)


def test_architecture_that_does_not_build(saved, tmp_path):
    path, _ = saved
    entries = read_entries(path)
    meta = meta_of(path)
    meta["architecture"]["layers"][2]["type"] = "teleport"
    other = tmp_path / "arch.npz"
    write_entries(other, with_meta(entries, meta))
    refused(other, "does not build", "unknown layer type 'teleport'")

    meta = meta_of(path)
    meta["architecture"]["layers"][2]["kernel"] = [3, 3]      # 24x24 / 3 is a whole number
    meta["architecture"]["layers"][2]["stride"] = [5, 5]      # (24 - 3) / 5 + 1 is not
    meta["architecture"]["layers"][2]["rounding"] = "exact"   # and the pool may not floor it
    write_entries(other, with_meta(entries, meta))
    refused(other, "does not build", "not a whole number", "pool1")


def write_changed_architecture(tmp_path, preset, change):
    """A copy of a valid ``preset`` model whose architecture ``change(layers)`` edited."""
    net = make_net(preset)
    good = tmp_path / f"{preset}.npz"
    save_model(good, net, DIGITS)
    meta = meta_of(good)
    change(meta["architecture"]["layers"])
    other = tmp_path / "changed.npz"
    write_entries(other, with_meta(read_entries(good), meta))
    return other


def peak_bytes_while(fn):
    import tracemalloc
    tracemalloc.start()
    try:
        fn()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


@pytest.mark.parametrize("preset, change, words", [
    # conv1's 1e9 filters do not fit res1 (F(x) + x): the build failing later must not
    # allocate conv1 first (33.5 GiB).
    ("resnet-mini", lambda layers: layers[0].update(filters=10 ** 9), ("does not build", "res1", "F(x)")),
    ("simple", lambda layers: layers[4].update(units=10 ** 300), ("parameters", "refusing to build")),
    ("simple", lambda layers: layers[4].update(units=1e300), ("does not build", "units", "whole number")),
    ("lenet5", lambda layers: layers[0].update(filters=10 ** 6), ("parameters", "refusing to build")),
])
def test_hostile_sizes_are_refused_without_allocating(tmp_path, preset, change, words):
    other = write_changed_architecture(tmp_path, preset, change)
    peak = peak_bytes_while(lambda: refused(other, *words))
    assert peak < 50 * 2 ** 20, f"{peak / 2 ** 20:.0f} MB allocated while refusing the file"


def test_huge_input_of_an_average_pooling_net_is_refused_without_allocating(tmp_path):
    net = make_net("lenet5")
    good = tmp_path / "lenet5.npz"
    save_model(good, net, DIGITS)
    meta = meta_of(good)
    meta["input_shape"] = meta["architecture"]["input_shape"] = [1, 10 ** 6, 10 ** 6]
    meta["architecture"]["layers"][0]["padding"] = "same"
    other = tmp_path / "wide.npz"
    write_entries(other, with_meta(read_entries(good), meta))
    peak = peak_bytes_while(lambda: refused(other, "refusing to build"))
    assert peak < 50 * 2 ** 20


@pytest.mark.parametrize("layer, change, words", [
    (4, {"units": 26.9}, ("'fc1'", "units", "26.9")),
    (4, {"units": True}, ("'fc1'", "units", "True")),
    (0, {"filters": True}, ("'conv1'", "filters", "True")),
    (0, {"filters": "30"}, ("'conv1'", "filters", "'30'")),
    (2, {"rounding": "zzz"}, ("'pool1'", "rounding", "'zzz'")),
    (0, {"rounding": "zzz"}, ("'conv1'", "rounding", "'zzz'")),
    (0, {"std": -1}, ("'conv1'", "std", "-1")),
    (4, {"std": 0}, ("'fc1'", "std", "0")),
    (0, {"padding": -2}, ("'conv1'", "padding", "-2")),
    (0, {"kernel": [5, 5.5]}, ("'conv1'", "kernel", "5.5")),
    (0, {"init": "zeros"}, ("'conv1'", "init", "'zeros'")),
    (4, {"unitz": 100}, ("'fc1'", "unknown setting 'unitz'")),
])
def test_layer_settings_in_a_model_file_are_checked_strictly(saved, tmp_path, layer, change, words):
    path, _ = saved
    meta = meta_of(path)
    meta["architecture"]["layers"][layer].update(change)
    other = tmp_path / "settings.npz"
    write_entries(other, with_meta(read_entries(path), meta))
    refused(other, "does not build", *words)


def test_absurd_architecture_is_refused_before_allocating(saved, tmp_path):
    path, _ = saved
    meta = meta_of(path)
    meta["architecture"]["layers"][4]["units"] = 10 ** 9       # fc1: 4320 x 1e9 weights
    other = tmp_path / "huge.npz"
    write_entries(other, with_meta(read_entries(path), meta))
    refused(other, "parameters", "refusing to build")


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_size_guard_counts_parameters_exactly(tmp_path, monkeypatch, preset):
    net = make_net(preset, (3, 30, 26), 5)
    path = tmp_path / "m.npz"
    save_model(path, net, list("abcde"))
    monkeypatch.setattr(model_size, "MAX_PARAMETERS", net.num_params())
    assert load_model(path).network.num_params() == net.num_params()
    monkeypatch.setattr(model_size, "MAX_PARAMETERS", net.num_params() - 1)
    refused(path, f"{net.num_params():,} parameters")


def test_parameter_problems_are_named(saved, tmp_path):
    path, _ = saved
    entries = read_entries(path)
    other = tmp_path / "p.npz"
    cases = [
        ({**entries, "param/conv1.W": np.zeros((3, 1, 5, 5), np.float32)},
         ("'conv1.W'", "(3, 1, 5, 5)", "(30, 1, 5, 5)")),
        ({k: v for k, v in entries.items() if k != "param/fc1.b"}, ("'fc1.b'", "missing")),
        ({**entries, "param/fc9.W": np.zeros(3, np.float32)}, ("'fc9.W'", "not part of the architecture")),
        ({**entries, "param/fc2.b": np.array([0.0] * 9 + [np.nan], np.float32)}, ("'fc2.b'", "NaN")),
        ({**entries, "param/fc2.b": np.array([0.0] * 9 + [np.inf])}, ("'fc2.b'", "infinite")),
        ({**entries, "param/fc2.b": np.arange(10)}, ("'fc2.b'", "int64", "floating point")),
    ]
    for damaged, words in cases:
        write_entries(other, damaged)
        refused(other, *words)


def test_float64_parameter_too_large_for_float32_is_refused(saved, tmp_path):
    path, _ = saved
    entries = read_entries(path)
    other = tmp_path / "big.npz"
    write_entries(other, {**entries, "param/fc2.b": np.array([0.0] * 9 + [1e300])})
    refused(other, "'fc2.b'", "too large for float32")


def test_float64_parameters_load_as_float32(saved, tmp_path):
    path, net = saved
    entries = {k: (v.astype(np.float64) if k != "meta" else v) for k, v in read_entries(path).items()}
    other = tmp_path / "f64.npz"
    write_entries(other, entries)
    loaded = load_model(other).network.params
    assert all(v.dtype == np.float32 for v in loaded.values())
    np.testing.assert_array_equal(loaded["fc1.W"], net.params["fc1.W"])


class Trap:
    """Unpickling this creates the file named in ``path`` (as an attacker's object would)."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_object_array_is_refused_without_unpickling(saved, tmp_path):
    path, _ = saved
    canary = tmp_path / "pwned.txt"
    trap = np.empty(1, dtype=object)
    trap[0] = Trap(canary)
    for entry in ("param/conv1.b", "meta", "notes"):
        other = tmp_path / f"object-{entry.replace('/', '-')}.npz"
        write_entries(other, {**read_entries(path), entry: trap})     # savez pickles object arrays
        refused(other, f"{entry!r}", "object array")
        assert not canary.exists()


def test_zip_bomb_member_is_refused_from_the_directory(saved, tmp_path, monkeypatch):
    path, _ = saved
    other = tmp_path / "bomb.npz"
    entries = read_entries(path)
    np.savez_compressed(other, **entries, padding=np.zeros(2_000_000, np.float32))   # 8 MB -> ~8 KB
    with zipfile.ZipFile(other) as zf:
        assert zf.getinfo("padding.npy").compress_size < 100_000
    monkeypatch.setattr(model_format, "MAX_MEMBER_BYTES", 4_000_000)
    refused(other, "'padding'", "unpacks to 8,000,128 bytes")


def test_header_declaring_a_huge_array_is_refused(saved, tmp_path):
    path, _ = saved
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f4", "fortran_order": False, "shape": (4320, 10 ** 8)})
    other = tmp_path / "liar.npz"
    write_entries(other, {k: v for k, v in read_entries(path).items() if k != "param/fc1.W"})
    with zipfile.ZipFile(other, "a") as zf:
        zf.writestr("param/fc1.W.npy", header.getvalue() + bytes(64))
    refused(other, "'param/fc1.W'", "declares shape (4320, 100000000)")


# -- the textbook's params.pkl -------------------------------------------------

def textbook_params(rng, dtype=np.float64, filters=30, channels=1, kernel=5, side=28, hidden=100, classes=10):
    pooled = (side - kernel + 1) // 2
    shapes = {"W1": (filters, channels, kernel, kernel), "b1": (filters,),
              "W2": (filters * pooled * pooled, hidden), "b2": (hidden,),
              "W3": (hidden, classes), "b3": (classes,)}
    return {k: (rng.standard_normal(s) * 0.1).astype(dtype) for k, s in shapes.items()}


def textbook_predict(p, x):
    """SimpleConvNet's forward pass written out directly (valid conv, ReLU, 2x2 pool, two affines)."""
    k = p["W1"].shape[2]
    windows = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(2, 3))   # N, C, OH, OW, k, k
    conv = np.einsum("nchwij,fcij->nfhw", windows, p["W1"]) + p["b1"][None, :, None, None]
    relu = np.maximum(conv, 0)
    n, f, h, w = relu.shape
    pooled = relu.reshape(n, f, h // 2, 2, w // 2, 2).max(axis=(3, 5))
    hidden = np.maximum(pooled.reshape(n, -1) @ p["W2"] + p["b2"], 0)
    return hidden @ p["W3"] + p["b3"]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_textbook_params_import_and_predict_the_same(tmp_path, dtype):
    params = textbook_params(np.random.default_rng(3), dtype)
    pkl = tmp_path / "params.pkl"
    with open(pkl, "wb") as f:
        pickle.dump(params, f)

    model = import_textbook_params(pkl)

    assert model.input_shape == (1, 28, 28)
    assert model.class_names == DIGITS
    assert model.network.name == "simple"
    direct = make_net("simple")
    direct.set_weights({"conv1.W": params["W1"], "conv1.b": params["b1"], "fc1.W": params["W2"],
                        "fc1.b": params["b2"], "fc2.W": params["W3"], "fc2.b": params["b3"]})
    x = np.random.default_rng(4).random((4, 1, 28, 28), dtype=np.float32)
    np.testing.assert_array_equal(model.network.forward(x), direct.forward(x))
    np.testing.assert_allclose(model.network.forward(x), textbook_predict(params, x.astype(np.float64)),
                               rtol=1e-4, atol=1e-4)
    # ... and it can then be saved as a cnnviz model.
    save_model(tmp_path / "m.npz", model.network, model.class_names)
    np.testing.assert_array_equal(load_model(tmp_path / "m.npz").network.forward(x), direct.forward(x))


def test_textbook_shapes_generalise(tmp_path):
    params = textbook_params(np.random.default_rng(5), filters=8, channels=3, kernel=3, side=32,
                             hidden=20, classes=4)
    pkl = tmp_path / "params.pkl"
    pkl.write_bytes(pickle.dumps(params))
    model = import_textbook_params(pkl, class_names=["n", "e", "s", "w"])
    assert model.input_shape == (3, 32, 32)
    assert model.class_names == ["n", "e", "s", "w"]
    x = np.random.default_rng(6).random((2, 3, 32, 32))
    np.testing.assert_allclose(model.network.forward(x.astype(np.float32)), textbook_predict(params, x),
                               rtol=1e-4, atol=1e-4)


def test_textbook_import_refuses_wrong_keys_shapes_and_types(tmp_path):
    good = textbook_params(np.random.default_rng(0))
    pkl = tmp_path / "params.pkl"
    cases = [
        ({k: v for k, v in good.items() if k != "b3"}, ("missing b3",)),
        ({**good, "W4": good["W3"]}, ("unexpected 'W4'",)),
        ({**good, "W2": np.zeros((4000, 100))}, ("W2 has 4000 inputs",)),
        ({**good, "b2": np.zeros(99)}, ("b2 (99,)",)),
        ({**good, "W1": good["W1"].tolist()}, ("W1", "list")),
        ({**good, "b1": np.zeros(30, np.int32)}, ("b1", "int32")),
        ({**good, "b1": np.full(30, np.nan)}, ("b1", "NaN")),
        ({**good, "b2": np.full(100, 1e300)}, ("b2", "too large for float32")),
        ([good["W1"]], ("list", "not a dict")),
    ]
    for data, words in cases:
        pkl.write_bytes(pickle.dumps(data))
        with pytest.raises(ModelFileError) as info:
            import_textbook_params(pkl)
        for word in (str(pkl),) + words:
            assert word in str(info.value), str(info.value)
    pkl.write_bytes(pickle.dumps(good))
    with pytest.raises(ModelFileError, match="3 class names"):
        import_textbook_params(pkl, class_names=["a", "b", "c"])


class SystemTrap:
    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


@pytest.mark.parametrize("trap", [Trap, SystemTrap])
def test_malicious_params_pkl_is_refused_and_runs_nothing(tmp_path, trap):
    canary = tmp_path / "pwned.txt"
    pkl = tmp_path / "params.pkl"
    good = textbook_params(np.random.default_rng(0))
    pkl.write_bytes(pickle.dumps({**good, "b3": trap(canary)}))
    with pytest.raises(ModelFileError, match="refused") as info:
        import_textbook_params(pkl)
    assert str(pkl) in str(info.value)
    assert str(info.value).lower().count("refused") == 1, str(info.value)
    assert not canary.exists()


def test_textbook_import_of_a_damaged_or_missing_file(tmp_path):
    pkl = tmp_path / "params.pkl"
    pkl.write_bytes(pickle.dumps(textbook_params(np.random.default_rng(0)))[:500])
    with pytest.raises(ModelFileError, match="not a readable pickle"):
        import_textbook_params(pkl)
    with pytest.raises(ModelFileError, match="no such file"):
        import_textbook_params(tmp_path / "absent.pkl")
