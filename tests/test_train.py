"""The trainer: lowers the loss, replays with the same seed, pauses, stops, survives NaN."""
import threading

import numpy as np
import pytest

from cnnviz.nn import Network
from cnnviz.nn.optim import OPTIMIZERS, Adam, make_optimizer
from cnnviz.train import History, TrainConfig, Trainer

from synthetic import TINY_NET, bars


def make_trainer(epochs=3, seed=0, lr=0.01, optimizer="adam", **cfg):
    x, y = bars(300, seed=1)
    tx, ty = bars(100, seed=2)
    net = Network(TINY_NET, seed=seed)
    return Trainer(net, make_optimizer(optimizer, lr), x, y, tx, ty,
                   TrainConfig(epochs=epochs, batch_size=20, seed=seed, **cfg))


def test_training_lowers_the_loss_and_learns():
    tr = make_trainer()
    events = list(tr.steps())
    steps = [e for e in events if e.kind == "step"]
    epochs = [e for e in events if e.kind == "epoch"]
    assert len(steps) == 3 * 15 and len(epochs) == 3
    assert np.mean([e.loss for e in steps[-10:]]) < 0.5 * np.mean([e.loss for e in steps[:5]])
    assert epochs[-1].test_accuracy > 0.9
    assert events[-1].kind == "done" and events[-1].reason == "completed"
    assert len(tr.history.step_loss) == 45 and len(tr.history.epochs) == 3


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_optimizer_trains(name):
    lr = {"sgd": 0.1, "momentum": 0.05, "nesterov": 0.05, "adagrad": 0.05, "rmsprop": 0.005, "adam": 0.01}[name]
    tr = make_trainer(epochs=3, lr=lr, optimizer=name)
    done = tr.run()
    assert done.reason == "completed"
    assert tr.history.epochs[-1]["test_accuracy"] > 0.8, name


def test_same_seed_replays_identically_and_another_seed_does_not():
    a, b, c = make_trainer(seed=5), make_trainer(seed=5), make_trainer(seed=6)
    for t in (a, b, c):
        t.run()
    assert a.history.step_loss == b.history.step_loss
    for k in a.net.params:
        assert np.array_equal(a.net.params[k], b.net.params[k])
    assert a.history.step_loss != c.history.step_loss


def test_diverging_run_stops_and_restores_last_good_weights():
    tr = make_trainer(epochs=50, lr=1e30, optimizer="sgd", guard_every=1)
    after_step = [tr.net.get_weights()]          # after_step[k]: the weights after k steps
    done = tr.run(lambda e: after_step.append(tr.net.get_weights()) if e.kind == "step" else None)
    assert done.reason == "diverged"
    assert "diverged" in done.message and "lower learning rate" in done.message
    assert done.restored_step is not None and done.restored_step < done.step + 1
    for k, v in tr.net.params.items():
        assert np.all(np.isfinite(v))
        assert np.array_equal(v, after_step[done.restored_step][k])


def test_pause_blocks_steps_and_resume_continues():
    tr = make_trainer(epochs=20)
    seen = []
    paused_at = threading.Event()

    def on_event(e):
        seen.append(e)
        if e.kind == "step" and e.step == 3:
            tr.pause()
        if e.kind == "status" and e.status == "paused":
            paused_at.set()

    worker = threading.Thread(target=tr.run, args=(on_event,))
    worker.start()
    assert paused_at.wait(10)
    count = len(seen)
    worker.join(0.3)
    assert worker.is_alive() and len(seen) == count, "steps continued while paused"
    tr.stop()
    worker.join(10)
    assert not worker.is_alive()
    assert seen[-1].kind == "done" and seen[-1].reason == "stopped"
    assert tr.step_count == 3


def test_stop_from_another_thread_ends_within_a_step():
    tr = make_trainer(epochs=1000)
    started = threading.Event()
    result = {}

    def run():
        result["done"] = tr.run(lambda e: started.set())

    t = threading.Thread(target=run)
    t.start()
    assert started.wait(10)
    tr.stop()
    t.join(10)
    assert not t.is_alive() and result["done"].reason == "stopped"


def test_learning_rate_change_takes_effect_between_steps():
    tr = make_trainer(epochs=1)
    lrs = []

    def on_event(e):
        if e.kind == "step":
            lrs.append(e.lr)
            if e.step == 2:
                tr.set_lr(0.5)

    tr.run(on_event)
    assert lrs[:2] == [0.01, 0.01] and set(lrs[2:]) == {0.5}


def test_adam_matches_the_textbook_update():
    rng = np.random.default_rng(0)
    p = {"w.W": rng.standard_normal(5).astype(np.float64)}
    ref = p["w.W"].copy()
    m = np.zeros(5)
    v = np.zeros(5)
    opt = Adam(lr=0.1)
    for t in range(1, 6):
        g = {"w.W": rng.standard_normal(5)}
        opt.step(p, g)
        lr_t = 0.1 * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
        m += (1 - 0.9) * (g["w.W"] - m)
        v += (1 - 0.999) * (g["w.W"] ** 2 - v)
        ref -= lr_t * m / (np.sqrt(v) + 1e-8)
    np.testing.assert_allclose(p["w.W"], ref, rtol=1e-12)


def test_weight_decay_shrinks_weights_not_biases():
    p = {"l.W": np.ones(3), "l.b": np.ones(3)}
    g = {"l.W": np.zeros(3), "l.b": np.zeros(3)}
    make_optimizer("sgd", 0.1, weight_decay=0.5).step(p, g)
    np.testing.assert_allclose(p["l.W"], 0.95)
    np.testing.assert_allclose(p["l.b"], 1.0)


def test_history_round_trips_and_compacts_long_runs():
    h = History()
    for i in range(50):
        h.add_step(float(i), 0.5, 0.001)
    d = h.to_dict(max_steps=10)
    assert len(d["step_loss"]) == 10 and d["step_stride"] == 5
    assert d["step_loss"][0] == pytest.approx(2.0)
    back = History.from_dict(d)
    assert back.steps_done() == 50
