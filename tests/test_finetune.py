"""Fine-tuning: a trained network with a new output layer, its convolutions frozen or not."""
import json

import numpy as np
import pytest

from cnnviz.cli.main import main
from cnnviz.data.dataset import Dataset
from cnnviz.modelio import load_model, save_model
from cnnviz.nn import Network, preset_spec
from cnnviz.nn.optim import make_optimizer
from cnnviz.shipped import model_path
from cnnviz.train.finetune import FineTuneError, conv_params, finetune_network, load_base
from cnnviz.train.recipe import Recipe, prepare
from cnnviz.train.trainer import TrainConfig, Trainer

from synthetic import TINY_NET, bars
from test_imagefolder import make_folder


def bars_data(n=120, classes=("h", "v", "d")):
    x, y = bars(n, seed=1)
    return Dataset("bars", x[:90], y[:90], x[90:], y[90:], tuple(classes), (1, 8, 8), "memory", ("train", "test"))


def test_the_new_network_keeps_every_layer_but_the_last():
    base = Network(preset_spec("simple", (1, 28, 28), 10), seed=1)
    net = finetune_network(base, 3, (1, 28, 28), seed=2)
    assert net.num_classes == 3 and net.spec()["layers"][:-1] == base.spec()["layers"][:-1]
    for key, w in base.params.items():
        if key.startswith("fc2."):
            assert net.params[key].shape[-1] == 3
        else:
            np.testing.assert_array_equal(net.params[key], w)
    again = finetune_network(base, 3, (1, 28, 28), seed=2)
    np.testing.assert_array_equal(again.params["fc2.W"], net.params["fc2.W"])     # seeded
    with pytest.raises(FineTuneError, match="reads 28x28 grey images; these are 32x32 3-channel"):
        finetune_network(base, 3, (3, 32, 32))
    dropped = finetune_network(Network(preset_spec("liteocr", (1, 28, 28), 26)), 4, (1, 28, 28), dropout=0.5)
    assert dropped.layer("drop1").rate == 0.5


def test_the_convolutions_include_those_inside_residual_blocks():
    net = Network(preset_spec("resnet-mini", (1, 28, 28), 10))
    keys = conv_params(net)
    assert keys and set(keys) < set(net.params)
    assert any(k.count(".") == 2 for k in keys)                 # "<block>.<inner conv>.W"
    assert all(not k.startswith("fc") for k in keys)
    assert conv_params(Network(TINY_NET)) == ["conv1.W", "conv1.b"]


@pytest.mark.parametrize("frozen", [(), ("conv1.W", "conv1.b")])
def test_frozen_parameters_stay_as_they_are_and_the_rest_learns(frozen):
    data = bars_data()
    net = Network(TINY_NET, seed=0)
    start = net.get_weights()
    trainer = Trainer(net, make_optimizer("adam", 0.01, weight_decay=0.01), data.x_train, data.y_train,
                      data.x_test, data.y_test, TrainConfig(epochs=3, batch_size=30), frozen=frozen)
    done = trainer.run()
    assert done.reason == "completed"
    for key, w in net.params.items():
        moved = not np.array_equal(w, start[key])
        assert moved == (key not in frozen), key
    with pytest.raises(ValueError, match="no such parameters"):
        Trainer(net, make_optimizer("sgd", 0.1), data.x_train, data.y_train, frozen=["conv9.W"])


def test_a_recipe_fine_tunes_a_model_file_with_frozen_convolutions(tmp_path):
    data = bars_data()
    base = Network(TINY_NET, seed=3)
    path = tmp_path / "base.npz"
    save_model(path, base, ["a", "b", "c"])
    recipe = Recipe(arch="tiny", dataset="bars", epochs=2, batch=30, lr=0.01, finetune=str(path), freeze_convs=True)
    trainer = prepare(recipe, data)
    trainer.run()
    net = trainer.net
    np.testing.assert_array_equal(net.params["conv1.W"], base.params["conv1.W"])
    assert not np.array_equal(net.params["fc1.W"], base.params["fc1.W"])
    with pytest.raises(FineTuneError, match="Cannot fine-tune"):
        prepare(Recipe(finetune=str(tmp_path / "missing.npz")), data)
    with pytest.raises(ValueError, match="reads 8x8"):
        prepare(Recipe(finetune=str(path)), Dataset("big", data.x_train.repeat(2, 2).repeat(2, 3), data.y_train,
                                                    None, None, ("a", "b", "c"), (1, 16, 16), "", ("train",)))


def test_the_command_line_fine_tunes_letters_on_a_folder_of_ones_own(tmp_path, capsys, qapp):
    if not model_path("letters").is_file():
        pytest.skip("no shipped letters model")
    folder = make_folder(tmp_path / "shapes", {"ring": 6, "bar": 6, "ㄱ": 6})
    out = tmp_path / "mine.npz"
    code = main(["train", "--dataset", str(folder), "--finetune", "letters", "--freeze-convs", "--epochs", "3",
                 "--batch", "5", "--out", str(out), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0, report
    model = load_model(out)
    letters = load_base("letters").network
    assert model.class_names == ["bar", "ring", "ㄱ"] and model.dataset == "shapes"
    assert report["recipe"]["finetune"] == "letters" and report["recipe"]["arch"] == "liteocr"
    np.testing.assert_array_equal(model.network.params["conv2.W"], letters.params["conv2.W"])
    code = main(["eval", "--model", str(out), "--dataset", str(folder), "--json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["images"] == 3               # one test image per class of 6
    code = main(["train", "--dataset", str(tmp_path / "nowhere"), "--json"])
    error = json.loads(capsys.readouterr().out)["error"]
    assert code == 2 and "a folder of images with one sub-folder per class" in error
