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
    tr = make_trainer(epochs=50, lr=1e30, optimizer="sgd")
    after_step = [tr.net.get_weights()]          # after_step[k]: the weights after k steps
    done = tr.run(lambda e: after_step.append(tr.net.get_weights()) if e.kind == "step" else None)
    assert done.reason == "diverged"
    assert "diverged" in done.message and "lower learning rate" in done.message
    assert done.restored_step is not None and done.restored_step < done.step + 1
    for k, v in tr.net.params.items():
        assert np.all(np.isfinite(v))
        assert np.array_equal(v, after_step[done.restored_step][k])


def test_divergence_late_in_a_run_restores_the_step_just_before_and_the_optimizer_state():
    tr = make_trainer(epochs=50, lr=0.01, optimizer="adam")
    after_step = [(tr.net.get_weights(), tr.opt.save_state())]

    def on_event(e):
        if e.kind == "step":
            after_step.append((tr.net.get_weights(), tr.opt.save_state()))
            if e.step == 25:
                tr.set_lr(1e30)                  # step 26 blows the weights up
    done = tr.run(on_event)
    assert done.reason == "diverged"
    # The weights of step 25 gave the last finite loss; they are back, and Adam's
    # moments and step count are as they were then (not those of the bad update).
    assert done.restored_step == 25, done.message
    weights, state = after_step[25]
    for k, v in tr.net.params.items():
        assert np.array_equal(v, weights[k])
    assert tr.opt.t == state["t"] == 25
    for slot in ("m", "v"):
        for k, v in tr.opt.state[slot].items():
            assert np.array_equal(v, state["state"][slot][k]), (slot, k)


def test_a_final_update_that_diverges_is_caught():
    # One epoch of one step: the only update is the last one, and no later step checks it.
    x, y = bars(20, seed=1)
    net = Network(TINY_NET, seed=0)
    start = net.get_weights()
    tr = Trainer(net, make_optimizer("sgd", 1e30), x, y, x, y, TrainConfig(epochs=1, batch_size=20))
    done = tr.run()
    assert done.reason == "diverged" and done.step == 1 and done.restored_step == 0
    assert not tr.history.epochs                 # no epoch with a NaN test loss was reported
    for k, v in net.params.items():
        assert np.array_equal(v, start[k])


def test_stop_during_the_evaluation_ends_promptly_and_keeps_the_weights():
    x, y = bars(40, seed=1)
    tx, ty = bars(20_000, seed=2)
    net = Network(TINY_NET, seed=0)
    tr = Trainer(net, make_optimizer("adam", 0.01), x, y, tx, ty, TrainConfig(epochs=3, batch_size=20,
                                                                               eval_batch=100))
    inference_batches = []
    forward = net.forward

    def counting(xb, train=False):
        if not train:
            inference_batches.append(len(xb))
            tr.stop()                                # asked while the evaluation runs
        return forward(xb, train)
    net.forward = counting
    events, after_last_step = [], {}

    def on_event(e):
        events.append(e)
        if e.kind == "step":
            after_last_step.update(tr.net.get_weights())
    tr.run(on_event)
    assert events[-1].kind == "done" and events[-1].reason == "stopped"
    assert len(inference_batches) <= 2               # not the 200 + 1 batches of a whole evaluation
    assert not [e for e in events if e.kind == "epoch"] and not tr.history.epochs
    assert tr.step_count == 2                        # the weights of both steps are kept
    for k, v in tr.net.params.items():
        assert np.array_equal(v, after_last_step[k])


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


def lrs_of_a_run_asking_for(tr, lr, at_step=2):
    """The learning rate of every step of ``tr``'s run, ``lr`` being asked for after ``at_step``."""
    lrs = []

    def on_event(e):
        if e.kind == "step":
            lrs.append(e.lr)
            if e.step == at_step:
                tr.set_lr(lr)
    tr.run(on_event)
    return lrs


def test_learning_rate_change_takes_effect_between_steps():
    lrs = lrs_of_a_run_asking_for(make_trainer(epochs=1), 0.5)
    assert lrs[:2] == [0.01, 0.01] and set(lrs[2:]) == {0.5}


def test_a_learning_rate_asked_for_while_the_last_one_is_applied_is_not_lost():
    tr = make_trainer(epochs=1)

    class Opt(type(tr.opt)):
        # The setter runs when the trainer applies a request: another request arriving
        # at that very moment (from the UI thread) must still take effect.
        @property
        def lr(self):
            return self._lr

        @lr.setter
        def lr(self, value):
            self._lr = value
            if value == 0.5:
                tr.set_lr(0.25)
    tr.opt.__class__ = Opt
    tr.opt._lr = 0.01
    lrs = lrs_of_a_run_asking_for(tr, 0.5)
    assert lrs[:3] == [0.01, 0.01, 0.5] and set(lrs[3:]) == {0.25}


def test_optimizer_state_copies_reuse_their_arrays_and_restore_exactly():
    rng = np.random.default_rng(0)
    p = {"w.W": rng.standard_normal(5)}
    opt = Adam(lr=0.1)
    empty = opt.save_state()
    opt.step(p, {"w.W": rng.standard_normal(5)})
    saved = opt.save_state()
    arrays = [saved["state"][s]["w.W"] for s in ("m", "v")]
    opt.step(p, {"w.W": rng.standard_normal(5)})
    again = opt.save_state(saved)
    assert again is saved and [again["state"][s]["w.W"] for s in ("m", "v")] == arrays   # same objects
    m_after_two = opt.state["m"]["w.W"].copy()
    opt.step(p, {"w.W": rng.standard_normal(5)})
    opt.load_state(saved)
    assert opt.t == 2 and np.array_equal(opt.state["m"]["w.W"], m_after_two)
    opt.load_state(empty)                      # back to before the first step: no moments at all
    assert opt.t == 0 and not any(opt.state.values())


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
