"""The fast recipe's pieces: the one-cycle schedule, label smoothing, named recipes."""
import numpy as np
import pytest

from cnnviz.nn import Network
from cnnviz.nn.loss import SoftmaxCrossEntropy, softmax
from cnnviz.nn.optim import make_optimizer
from cnnviz.train.recipe import RECIPES, Recipe, make_recipe, prepare
from cnnviz.train.schedule import make_schedule, one_cycle

from synthetic import TINY_NET, bars


def test_one_cycle_warms_up_to_the_peak_then_anneals_to_almost_nothing():
    lr = one_cycle(0.01, 100, warmup=0.2)
    rates = np.array([lr(s) for s in range(1, 101)])
    assert rates[0] == pytest.approx(0.01 / 25)
    assert rates.max() == pytest.approx(0.01) and rates.argmax() == 19
    assert np.all(np.diff(rates[:20]) > 0) and np.all(np.diff(rates[19:]) < 0)
    assert rates[-1] == pytest.approx(0.01 / 1e4)
    assert lr(500) == pytest.approx(rates[-1])
    assert make_schedule("constant", 0.01, 100) is None
    with pytest.raises(ValueError, match="one-cycle"):
        one_cycle(0.01, 0)
    with pytest.raises(ValueError, match="unknown schedule"):
        make_schedule("step", 0.01, 10)


def test_an_optimizer_with_a_schedule_takes_each_steps_rate_from_it():
    opt = make_optimizer("sgd", 1.0)
    opt.schedule = lambda step: 0.5 / step
    p, g = {"w.W": np.ones(3)}, {"w.W": np.ones(3)}
    opt.step(p, g)
    assert opt.lr == 0.5 and np.allclose(p["w.W"], 0.5)
    opt.step(p, g)
    assert opt.lr == 0.25 and np.allclose(p["w.W"], 0.25)


def test_label_smoothing_is_the_cross_entropy_with_the_softened_target():
    rng = np.random.default_rng(0)
    logits, labels = rng.standard_normal((4, 5)), rng.integers(0, 5, 4)
    target = np.full((4, 5), 0.1 / 5)
    target[np.arange(4), labels] += 0.9
    loss = SoftmaxCrossEntropy(0.1)
    value = loss.forward(logits, labels)
    assert value == pytest.approx(-np.mean(np.sum(target * np.log(softmax(logits)), axis=1)))
    np.testing.assert_allclose(loss.backward(), (softmax(logits) - target) / 4)
    # The gradient is the derivative of the value.
    h, i, j = 1e-6, 2, 3
    bumped = logits.copy()
    bumped[i, j] += h
    numeric = (SoftmaxCrossEntropy(0.1).forward(bumped, labels) - value) / h
    assert loss.backward()[i, j] == pytest.approx(numeric, rel=1e-4)
    plain = SoftmaxCrossEntropy()
    assert plain.forward(logits, labels) == pytest.approx(-np.mean(np.log(softmax(logits))[np.arange(4), labels]))
    with pytest.raises(ValueError, match="smoothing"):
        SoftmaxCrossEntropy(1.0)


def test_named_recipes_are_valid_and_options_override_them():
    for name, recipe in RECIPES.items():
        assert recipe.problems() == [], name
    fast = make_recipe("fast", epochs=5, seed=None, lr=None)
    assert fast.arch == "bn-conv" and fast.epochs == 5 and fast.lr == RECIPES["fast"].lr
    assert fast.schedule == "one-cycle" and fast.label_smoothing > 0 and fast.augment
    assert make_recipe(None, arch="deep") == Recipe(arch="deep")
    assert "one-cycle" in fast.summary() and "label smoothing" in fast.summary()
    assert Recipe(schedule="sometimes").problems() and Recipe(label_smoothing=1.0).problems()


class Bars:
    """A data set of 8x8 bar images (3 classes) in the shape the recipe code reads."""
    name, class_names, image_shape = "bars", ["0", "1", "2"], (1, 8, 8)

    def __init__(self):
        self.x_train, self.y_train = bars(200, seed=1)
        self.x_test, self.y_test = bars(50, seed=2)


def test_prepare_puts_the_schedule_and_the_smoothing_into_the_run():
    recipe = Recipe(arch="simple", epochs=2, batch=50, lr=0.004, schedule="one-cycle", label_smoothing=0.2,
                    train_eval_limit=60)
    trainer = prepare(recipe, Bars(), network=Network(TINY_NET, seed=0))
    assert trainer.loss_fn.smoothing == 0.2 and trainer.cfg.train_eval_limit == 60
    steps = [e for e in trainer.steps() if e.kind == "step"]
    assert len(steps) == 8
    expected = one_cycle(0.004, 8)
    assert [e.lr for e in steps] == pytest.approx([expected(s) for s in range(1, 9)])
