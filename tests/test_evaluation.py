"""The evaluation core: one batched pass, its metrics, the taps inside the network, the
mistakes gallery, CSV export, and the CLI's `eval --json` giving the same numbers."""
import csv
import io
import json

import numpy as np
import pytest

from cnnviz.evaluation import (ChannelActivity, EvaluationCancelled, EvaluationError, cell_images, check_fit,
                               class_table_csv, confusion_csv, evaluate_model, filter_health,
                               load_test_split, mistakes)
from cnnviz.evaluation.deadfilters import judge_layer
from cnnviz.evaluation.taps import find_taps
from cnnviz.metrics import classification_report
from cnnviz.nn import Network, preset_spec, softmax

from synthetic import TINY_NET, bars


@pytest.fixture(scope="module")
def tiny():
    """An untrained tiny network (3 classes, 8x8) and 150 bar images: plenty of mistakes."""
    x, y = bars(150, seed=3)
    return Network(TINY_NET, seed=2), x, y


def test_probabilities_and_metrics_equal_a_plain_forward_pass(tiny):
    net, x, y = tiny
    evaluation = evaluate_model(net, x, y, ["h", "v", "d"], "bars", batch=7)   # 150 = 21 x 7 + 3
    probs = softmax(net.forward(x.astype(np.float32) / 255))
    np.testing.assert_allclose(evaluation.probabilities, probs, rtol=1e-6, atol=1e-7)
    assert np.array_equal(evaluation.predictions, evaluation.probabilities.argmax(axis=1))
    expected = classification_report(evaluation.probabilities, y, ["h", "v", "d"])
    report = evaluation.report()
    assert {k: report[k] for k in expected} == expected
    picked = evaluation.probabilities[np.arange(len(y)), y].astype(np.float64)
    assert evaluation.loss == pytest.approx(-np.mean(np.log(picked)))
    counts = evaluation.confusion.counts
    assert counts.sum() == 150 and np.array_equal(evaluation.confusion.support, np.bincount(y, minlength=3))
    np.testing.assert_allclose(evaluation.confusion.row_percent.sum(axis=1), 100.0)
    assert evaluation.confusion.row_percent[0, 1] == pytest.approx(100 * counts[0, 1] / counts[0].sum())
    assert not evaluation.probabilities.flags.writeable and not evaluation.confusion.counts.flags.writeable


def test_a_class_without_test_images_has_a_zero_percentage_row(tiny):
    net, x, y = tiny
    keep = y != 2
    evaluation = evaluate_model(net, x[keep], y[keep], ["h", "v", "d"])
    assert evaluation.confusion.counts[2].sum() == 0
    assert evaluation.confusion.row_percent[2].tolist() == [0.0, 0.0, 0.0]
    assert evaluation.classes[2].support == 0 and evaluation.classes[2].recall == 0.0


def test_progress_follows_every_batch_and_cancel_stops_between_batches(tiny):
    net, x, y = tiny
    seen = []
    evaluate_model(net, x, y, "hvd", batch=40, threads=1,
                   progress=lambda done, total: seen.append((done, total)))
    assert seen == [(40, 150), (80, 150), (120, 150), (150, 150)]
    seen.clear()
    with pytest.raises(EvaluationCancelled, match="80 of 150"):
        evaluate_model(net, x, y, "hvd", batch=40, threads=1, progress=lambda done, total: seen.append(done),
                       cancel=lambda: len(seen) >= 2)
    assert seen == [40, 80]


def test_batches_on_several_threads_give_the_same_evaluation_and_stop_when_cancelled(tiny):
    net, x, y = tiny
    one = evaluate_model(net, x, y, "hvd", batch=16, threads=1, embed_count=100)
    seen = []
    three = evaluate_model(net, x, y, "hvd", batch=16, threads=3, embed_count=100,
                           progress=lambda done, total: seen.append(done))
    assert np.array_equal(one.probabilities, three.probabilities)
    assert np.array_equal(one.features.values, three.features.values)
    assert [a.silent_images.tolist() for a in one.channel_activity] == [a.silent_images.tolist() for a in three.channel_activity]
    assert len(seen) == 10 and seen == sorted(seen) and seen[-1] == 150        # each batch once, in order of finishing
    seen.clear()
    with pytest.raises(EvaluationCancelled) as stopped:
        evaluate_model(net, x, y, "hvd", batch=16, threads=3, progress=lambda done, total: seen.append(done),
                       cancel=lambda: len(seen) >= 2)
    assert 2 <= len(seen) <= 4 and f"after {seen[-1]} of 150" in str(stopped.value)   # at most one batch a thread in flight


@pytest.mark.parametrize("images, labels, names, words", [
    (np.zeros((4, 1, 9, 9), np.uint8), np.zeros(4, int), "hvd", ["(1, 8, 8)", "(1, 9, 9)"]),
    (np.zeros((4, 1, 8, 8), np.uint8), np.zeros(4, int), "hv", ["3 classes", "2 class names"]),
    (np.zeros((4, 1, 8, 8), np.uint8), np.zeros(3, int), "hvd", ["4 images"]),
    (np.zeros((4, 1, 8, 8), np.uint8), np.array([0, 1, 2, 3]), "hvd", ["from 0 to 2"]),
    (np.zeros((0, 1, 8, 8), np.uint8), np.zeros(0, int), "hvd", ["no images"]),
])
def test_model_and_data_that_do_not_fit_are_refused_with_the_reason(images, labels, names, words):
    net = Network(TINY_NET)
    with pytest.raises(EvaluationError) as caught:
        check_fit(net, images, labels, names)
    assert all(w in str(caught.value) for w in words), str(caught.value)
    with pytest.raises(EvaluationError):
        evaluate_model(net, images, labels, names)


# ---------------------------------------------------------------- taps: features and channel activity

@pytest.mark.parametrize("preset, feature_layer, unchecked", [
    ("simple", "relu2", ()),
    ("deep", "relu5", ()),                  # the dropout after relu5 changes nothing at inference
    ("liteocr", "pool1", ()),               # dropout and flatten pass pool1's numbers on
    ("resnet-mini", "pool2", ("res1.res1_convb", "res2.res2_convb")),   # summed with x before any ReLU
    ("lenet5", "sigmoid4", ("conv1", "conv2")),                          # sigmoid: never cut to zero
])
def test_feature_layer_and_watched_convolutions_of_each_preset(preset, feature_layer, unchecked):
    net = Network(preset_spec(preset, (1, 12, 12), 4), seed=0)
    taps = find_taps(net)
    assert taps.feature_layer == feature_layer
    assert taps.unchecked == unchecked
    strip_names = [e.name for e in net.entries()]
    for conv, relu in taps.pairs:
        assert strip_names.index(relu) == strip_names.index(conv) + 1


def test_a_network_of_one_dense_layer_embeds_its_input():
    net = Network({"name": "linear", "input_shape": [1, 4, 4],
                   "layers": [{"type": "flatten"}, {"type": "dense", "units": 2}]})
    x = np.arange(3 * 16, dtype=np.uint8).reshape(3, 1, 4, 4)
    evaluation = evaluate_model(net, x, np.array([0, 1, 0]), ["a", "b"])
    assert evaluation.features.layer == "input"
    np.testing.assert_allclose(evaluation.features.values, x.reshape(3, 16) / 255, rtol=1e-6)
    assert evaluation.channel_activity == ()


@pytest.mark.parametrize("preset", ["deep", "resnet-mini"])
def test_features_and_silent_channels_equal_what_the_trace_shows(preset):
    net = Network(preset_spec(preset, (1, 12, 12), 4), seed=1)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (60, 1, 12, 12)).astype(np.uint8)
    x[::3] = 0                                             # blank images silence many channels
    y = rng.integers(0, 4, 60)
    evaluation = evaluate_model(net, x, y, "abcd", batch=16, embed_count=25, seed=5)
    trace = {out.name: out.value for out in net.trace(x.astype(np.float32) / 255)}
    kept = evaluation.features.indices
    assert kept.size == 25 and np.all(np.diff(kept) > 0)
    # float32 sums of up to 288 products, blocked differently for 16 images than for 60
    np.testing.assert_allclose(evaluation.features.values,
                               trace[evaluation.features.layer][kept].reshape(25, -1), rtol=1e-5, atol=5e-6)
    assert evaluation.channel_activity
    for activity in evaluation.channel_activity:
        maps = trace[activity.relu]
        expected = (maps.reshape(60, maps.shape[1], -1).max(axis=2) == 0).sum(axis=0)
        assert activity.n_images == 60 and activity.silent_images.tolist() == expected.tolist()


def test_a_filter_with_a_hopeless_bias_is_dead(tiny):
    net, x, y = tiny
    net = net.copy()
    net.params["conv1.b"][2] = -1e3              # the ReLU cuts every output of filter 2
    health = filter_health(evaluate_model(net, x, y, "hvd"))
    conv1 = health.layer("conv1")
    assert conv1.relu == "relu1" and conv1.n_filters == 4 and conv1.n_images == 150
    assert 2 in conv1.dead and conv1.silent_fraction[2] == 1.0
    assert health.dead_count == len(conv1.dead) and "gradient" in health.note
    assert health.unchecked == () and health.lazy_fraction == 0.99


def test_dead_and_lazy_are_judged_from_the_share_of_silent_images():
    activity = ChannelActivity("conv9", "relu9", 200, np.array([200, 199, 198, 0]))
    judged = judge_layer(activity, lazy_fraction=0.99)
    assert judged.dead == (0,) and judged.lazy == (1, 2)          # 198/200 is 0.99 exactly
    assert judge_layer(activity, lazy_fraction=0.995).lazy == (1,)
    assert judged.silent_fraction.tolist() == [1.0, 0.995, 0.99, 0.0]
    with pytest.raises(ValueError, match="lazy_fraction"):
        judge_layer(activity, lazy_fraction=0)


# ---------------------------------------------------------------- mistakes gallery

def test_mistakes_are_every_error_most_confident_first(tiny):
    net, x, y = tiny
    evaluation = evaluate_model(net, x, y, ["h", "v", "d"])
    counts = evaluation.confusion.counts
    gallery = mistakes(evaluation)
    assert len(gallery) == counts.sum() - np.trace(counts) > 0
    assert all(m.is_error for m in gallery)
    confidences = [m.probability for m in gallery]
    assert confidences == sorted(confidences, reverse=True)
    first = gallery[0]
    assert first.true_class == y[first.index] and first.predicted_name == "hvd"[first.predicted_class]
    assert first.probability == evaluation.probabilities[first.index].max()
    assert first.true_probability == evaluation.probabilities[first.index, first.true_class]
    assert mistakes(evaluation, limit=3) == gallery[:3]
    row = mistakes(evaluation, true_class=1)
    assert len(row) == counts[1].sum() - counts[1, 1] and all(m.true_class == 1 for m in row)


def test_any_cell_lists_exactly_its_images(tiny):
    net, x, y = tiny
    evaluation = evaluate_model(net, x, y, ["h", "v", "d"])
    counts = evaluation.confusion.counts
    for true_class in range(3):
        for predicted in range(3):
            cell = cell_images(evaluation, true_class, predicted)
            assert len(cell) == counts[true_class, predicted]
            assert {(m.true_class, m.predicted_class) for m in cell} <= {(true_class, predicted)}
    with pytest.raises(ValueError, match="0 to 2"):
        cell_images(evaluation, 3, 0)


def test_caption_names_the_image_and_never_rounds_up_to_certainty():
    from cnnviz.evaluation import Mistake
    assert Mistake(4512, 4, 9, "4", "9", 0.9712, 0.01).caption() == "test #4,512, a 4 read as 9 (97.1%)"
    assert Mistake(7, 2, 2, "2", "2", 0.99996, 0.99996).caption() == "test #7, a 2 read as 2 (>99.9%)"
    assert Mistake(7, 2, 2, "2", "2", 1.0, 1.0).caption().endswith("(100.0%)")


# ---------------------------------------------------------------- any class names; CSV export

def test_own_class_names_reach_every_table_and_csv_reads_back_exactly():
    names = ["cat, black", 'say "hi"', "T-shirt/top"]
    x, y = bars(90, seed=4)
    evaluation = evaluate_model(Network(TINY_NET, seed=3), x, y, names)
    assert {m.true_name for m in mistakes(evaluation)} <= set(names)
    rows = list(csv.reader(io.StringIO(confusion_csv(evaluation))))
    assert rows[0] == ["true \\ predicted", *names]
    assert [r[0] for r in rows[1:]] == names
    assert [[int(v) for v in r[1:]] for r in rows[1:]] == evaluation.confusion.counts.tolist()
    rows = list(csv.reader(io.StringIO(confusion_csv(evaluation, percent=True))))
    assert [[float(v) for v in r[1:]] for r in rows[1:]] == evaluation.confusion.row_percent.tolist()
    table = list(csv.DictReader(io.StringIO(class_table_csv(evaluation))))
    assert [row["class"] for row in table] == names
    for row, scores in zip(table, evaluation.classes):
        assert (float(row["precision"]), float(row["recall"]), float(row["f1"]), float(row["ap"]),
                int(row["support"])) == (scores.precision, scores.recall, scores.f1, scores.ap, scores.support)


# ---------------------------------------------------------------- the CLI says the same

def test_eval_json_gives_the_numbers_of_the_core_evaluation(tmp_path, capsys):
    from cnnviz.cli.main import json_document, main
    from cnnviz.modelio import load_model, save_model
    from test_cli import write_idx_dataset
    write_idx_dataset(tmp_path / "data" / "mnist", n_train=10, n_test=120)
    path = tmp_path / "m.npz"
    save_model(path, Network(preset_spec("simple", classes=10), seed=4), [str(d) for d in range(10)],
               dataset="mnist")
    assert main(["eval", "--model", str(path), "--data-dir", str(tmp_path / "data"), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    data = load_test_split("mnist", tmp_path / "data", download=False)
    model = load_model(path)
    core = json.loads(json_document(evaluate_model(model.network, data.x_test, data.y_test,
                                                   model.class_names).report()))
    assert printed["images"] == 120
    assert {k: printed[k] for k in core} == core


def test_a_data_set_that_is_not_here_says_which_files_to_put_where(tmp_path):
    from cnnviz.data import MissingFilesError
    with pytest.raises(MissingFilesError) as caught:
        load_test_split("fashion-mnist", tmp_path, download=False)
    text = str(caught.value)
    assert "t10k-images-idx3-ubyte.gz" in text and str(tmp_path) in text
    assert "train-images" not in text                        # only the test split is needed


# ---------------------------------------------------------------- real data

def test_shipped_model_on_real_mnist_test_images(shared_datasets):
    from cnnviz.modelio import load_model
    from cnnviz.shipped import model_path
    model = load_model(model_path("digits"))
    data = load_test_split("mnist", shared_datasets, download=False)
    evaluation = evaluate_model(model.network, data.x_test[:300], data.y_test[:300], model.class_names,
                                data.name, embed_count=100)
    assert evaluation.accuracy > 0.98 and evaluation.mean_ap > 0.99
    assert evaluation.features.layer == "relu5" and evaluation.features.values.shape == (100, 256)
    assert [a.conv for a in evaluation.channel_activity] == ["conv1", "conv2", "conv3", "conv4"]
    for m in mistakes(evaluation):
        assert m.true_name == str(data.y_test[m.index]) and m.predicted_name != m.true_name


def test_a_test_split_alone_is_enough(real_dataset):
    folder = real_dataset("kmnist", ("test",))              # KMNIST's training files are not here
    data = load_test_split("kmnist", folder, download=False)
    net = Network(preset_spec("simple", classes=10), seed=0)
    evaluation = evaluate_model(net, data.x_test[:200], data.y_test[:200], data.class_names, data.name)
    assert evaluation.class_names == tuple(data.class_names) and evaluation.n_images == 200


def test_a_model_whose_outputs_overflowed_is_refused_by_the_core_and_the_cli(tmp_path, capsys):
    from cnnviz.cli.main import main
    from cnnviz.modelio import save_model
    from test_cli import write_idx_dataset
    net = Network(preset_spec("simple", classes=10), seed=0)
    net.params["fc1.W"][:] = 3e38                              # finite weights, infinite logits
    x, y = bars(20, side=28, seed=1)
    with pytest.raises(EvaluationError, match="NaN or infinity"):
        evaluate_model(net, x, y, [str(d) for d in range(10)])
    write_idx_dataset(tmp_path / "data" / "mnist", n_train=10, n_test=20)
    save_model(tmp_path / "m.npz", net, [str(d) for d in range(10)])
    assert main(["eval", "--model", str(tmp_path / "m.npz"), "--data-dir", str(tmp_path / "data"), "--json"]) == 2
    assert "NaN or infinity" in json.loads(capsys.readouterr().out)["error"]
