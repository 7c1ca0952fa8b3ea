"""The training worker: a real Trainer on the tiny bars problem, run in the worker's thread."""
import dataclasses
import threading
import time
from collections.abc import Mapping

import numpy as np
import pytest

from cnnviz.data import Dataset
from cnnviz.gui.training.worker import TrainingWorker
from cnnviz.modelio import load_model
from cnnviz.nn import Network
from cnnviz.nn.optim import make_optimizer
from cnnviz.train import TrainConfig, Trainer
from cnnviz.train.recipe import Recipe

from synthetic import TINY_NET, bars

STEPS_PER_EPOCH = 10          # 200 training images, batch 20


def bars_data(n_train=200, n_test=60):
    x, y = bars(n_train, seed=1)
    xt, yt = bars(n_test, seed=2)
    return Dataset("bars", x, y, xt, yt, ("horizontal", "vertical", "diagonal"), (1, 8, 8), "", ("train", "test"))


def make_worker(epochs=2, optimizer="adam", lr=0.01, batch=20, checkpoint=None, probe=True, n_test=60,
                eval_batch=500):
    data = bars_data(n_test=n_test)
    net = Network(TINY_NET, seed=0)
    trainer = Trainer(net, make_optimizer(optimizer, lr), data.x_train, data.y_train, data.x_test, data.y_test,
                      TrainConfig(epochs=epochs, batch_size=batch, seed=0, eval_batch=eval_batch))
    recipe = Recipe(arch="tiny", dataset="bars", epochs=epochs, batch=batch, optimizer=optimizer, lr=lr)
    worker = TrainingWorker(trainer, data, recipe, checkpoint_path=checkpoint)
    if probe:
        worker.set_probe(data.x_test[0].astype(np.float32) / 255)
    return worker


class Recorder:
    """Collects what the worker emits; acknowledges snapshots like the UI does."""

    def __init__(self, worker, ack=True):
        self.rows, self.epochs, self.snapshots, self.status, self.done, self.failed = [], [], [], [], [], []
        worker.stepsReady.connect(self.rows.append)
        worker.epochDone.connect(self.epochs.append)
        worker.statusChanged.connect(lambda s, step: self.status.append((s, step)))
        worker.finished.connect(self.done.append)
        worker.failed.connect(self.failed.append)

        def snapshot(snap):
            self.snapshots.append(snap)
            if ack:
                worker.ack()
        worker.snapshotReady.connect(snapshot)

    def steps(self):
        return np.concatenate(self.rows) if self.rows else np.zeros((0, 4))


def run_to_end(qtbot, worker, timeout=20000):
    with qtbot.waitSignal(worker.finished, timeout=timeout):
        worker.start()
    assert worker.wait(5)


def test_a_run_reports_steps_epochs_snapshots_and_its_end(qtbot):
    worker = make_worker(epochs=2)
    rec = Recorder(worker)
    run_to_end(qtbot, worker)
    qtbot.waitUntil(lambda: bool(rec.done), timeout=2000)
    rows = rec.steps()
    assert rows.shape == (20, 4)                       # 200 images / 20 per batch x 2 epochs
    assert rows[:, 0].tolist() == list(range(1, 21))
    assert np.all(rows[:, 3] == 0.01)
    assert [e["epoch"] for e in rec.epochs] == [1, 2]
    assert set(rec.epochs[0]) >= {"epoch", "step", "train_loss", "train_accuracy", "test_loss", "test_accuracy",
                                  "seconds", "samples_per_s"}
    assert rec.done[0].reason == "completed" and not rec.failed
    assert len(rec.snapshots) >= 2
    final = rec.snapshots[-1]
    assert final.step == 20 and final.trace is not None
    assert final.trace[-1].value.shape == (1, 3)
    assert not worker.is_running()


def _live_arrays(trainer):
    """Every array the trainer's network and optimizer hold (parameters, gradients, caches)."""
    seen, out = set(), []

    def visit(obj, depth=0):
        if isinstance(obj, np.ndarray):
            out.append(obj)
            return
        if depth > 4 or id(obj) in seen or isinstance(obj, (str, bytes, int, float, type(None))):
            return
        seen.add(id(obj))
        if isinstance(obj, dict):
            items = obj.values()
        elif isinstance(obj, (list, tuple)):
            items = obj
        elif hasattr(obj, "__dict__"):
            items = vars(obj).values()
        else:
            return
        for v in items:
            visit(v, depth + 1)
    for layer in trainer.net.layers:
        visit(layer)
    visit(trainer.opt)
    return out


def _reachable(obj, path="snap"):
    """(path, value) of everything reachable from a snapshot's fields (arrays are leaves)."""
    yield path, obj
    if isinstance(obj, np.ndarray) or isinstance(obj, (str, bytes, int, float, type(None))):
        return
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            yield from _reachable(v, f"{path}[{k!r}]")
    elif isinstance(obj, (tuple, list)):
        for i, v in enumerate(obj):
            yield from _reachable(v, f"{path}[{i}]")
    elif dataclasses.is_dataclass(obj):
        for f in dataclasses.fields(obj):
            yield from _reachable(getattr(obj, f.name), f"{path}.{f.name}")


def test_snapshots_are_frozen_copies_not_views_of_the_training_network(qtbot):
    worker = make_worker(epochs=1)
    rec = Recorder(worker)
    run_to_end(qtbot, worker)
    trainer = worker.trainer
    live = _live_arrays(trainer)
    live_objects = {id(o) for o in [trainer, trainer.net, trainer.opt, *trainer.net.layers]}
    assert len(live) > 2 * len(trainer.net.params)       # parameters, gradients, optimizer moments...
    for snap in rec.snapshots:
        arrays = 0
        for path, value in _reachable(snap):
            assert id(value) not in live_objects, f"{path} is the trainer's own object"
            assert not isinstance(value, (list, dict, set)), f"{path} is a mutable {type(value).__name__}"
            if isinstance(value, np.ndarray):
                arrays += 1
                assert not value.flags.writeable, f"{path} is writeable"
                assert not any(np.shares_memory(value, a) for a in live), f"{path} shares memory with the trainer"
        assert arrays >= len(snap.weights) + len(snap.trace)
        conv = next(t for t in snap.trace if t.name == "conv1")
        assert conv.layer.kind == "Conv2D" and conv.layer.out_shape == (4, 8, 8)
        assert conv.layer.param_shapes["W"] == (4, 1, 3, 3) and conv.layer.config["kernel"] == (3, 3)
        with pytest.raises((TypeError, dataclasses.FrozenInstanceError)):
            snap.weights["conv1.W"] = np.zeros((4, 1, 3, 3))
        with pytest.raises(dataclasses.FrozenInstanceError):
            conv.value = None
    with pytest.raises(ValueError):
        rec.snapshots[-1].weights["conv1.W"][0, 0, 0, 0] = 1.0
    np.testing.assert_array_equal(rec.snapshots[-1].weights["conv1.W"], trainer.net.params["conv1.W"])


def test_training_steps_never_run_on_the_ui_thread(qtbot):
    worker = make_worker(epochs=1)
    opt = worker.trainer.opt
    idents = []
    original = opt.step

    def step(params, grads):
        idents.append(threading.get_ident())
        original(params, grads)
    opt.step = step
    run_to_end(qtbot, worker)
    assert len(idents) == 10
    assert threading.main_thread().ident not in idents


def test_a_new_snapshot_waits_for_the_ui_to_acknowledge_the_last(qtbot):
    worker = make_worker(epochs=3)
    rec = Recorder(worker, ack=False)
    run_to_end(qtbot, worker)
    # the first, then nothing until acknowledged, then the unconditional one at the end
    assert len(rec.snapshots) == 2
    assert rec.snapshots[-1].step == 30


def test_pause_holds_the_steps_and_resume_continues(qtbot):
    worker = make_worker(epochs=500)
    rec = Recorder(worker)
    worker.start()
    qtbot.waitUntil(lambda: worker.trainer.step_count >= 3, timeout=10000)
    with qtbot.waitSignal(worker.statusChanged, timeout=10000):
        worker.pause()
    held = worker.trainer.step_count
    qtbot.wait(300)
    assert worker.trainer.step_count == held and worker.is_running()
    assert rec.status[-1] == ("paused", held)
    assert rec.snapshots[-1].step == held              # the exact weights it paused at
    worker.resume()
    qtbot.waitUntil(lambda: worker.trainer.step_count > held + 2, timeout=10000)
    with qtbot.waitSignal(worker.finished, timeout=10000):
        worker.stop()
    assert worker.wait(5)
    assert rec.done[0].reason == "stopped"
    assert ("resumed", held) in rec.status


def test_stop_while_paused_ends_the_thread(qtbot):
    worker = make_worker(epochs=500)
    worker.start()
    qtbot.waitUntil(lambda: worker.trainer.step_count >= 1, timeout=10000)
    with qtbot.waitSignal(worker.statusChanged, timeout=10000):
        worker.pause()
    worker.stop()
    assert worker.wait(5)
    assert worker.done.reason == "stopped"


class EvalGate:
    """Counts the inference batches of ``trainer``'s end-of-epoch evaluation. The first one
    holds (at most 10 s) until a stop is asked for, so the stop lands inside the evaluation."""

    def __init__(self, trainer):
        self.batches = 0
        self.evaluating = threading.Event()
        forward = trainer.net.forward

        def counting(x, train=False):
            if not train:
                self.batches += 1
                self.evaluating.set()
                deadline = time.monotonic() + 10
                while not trainer.stopping and time.monotonic() < deadline:
                    time.sleep(0.002)
            return forward(x, train)
        trainer.net.forward = counting


def test_stop_during_the_end_of_epoch_evaluation_ends_the_thread_before_it_is_done(qtbot, tmp_path):
    # 20,000 test images in batches of 100: 200 batches (plus 2 of training images) to evaluate
    worker = make_worker(epochs=3, n_test=20_000, eval_batch=100, checkpoint=tmp_path / "ck.npz", probe=False)
    gate = EvalGate(worker.trainer)
    rec = Recorder(worker)
    worker.start()
    assert gate.evaluating.wait(20)
    worker.stop()                                   # the UI thread asks while the evaluation runs
    assert worker.wait(20)
    assert gate.batches <= 3                        # it ended within a batch or two, not after 202
    qtbot.waitUntil(lambda: bool(rec.done), timeout=5000)
    assert rec.done[0].reason == "stopped" and not rec.failed
    assert not rec.epochs                           # the unfinished evaluation is not reported...
    assert not list(tmp_path.iterdir())             # ... nor autosaved (and no half-written file)
    assert rec.snapshots and rec.snapshots[-1].step == STEPS_PER_EPOCH


def test_a_learning_rate_change_takes_effect_while_running(qtbot):
    worker = make_worker(epochs=500)
    rec = Recorder(worker)
    worker.start()
    qtbot.waitUntil(lambda: worker.trainer.step_count >= 2, timeout=10000)
    worker.set_lr(0.0005)
    qtbot.waitUntil(lambda: bool(rec.rows) and rec.rows[-1][-1, 3] == 0.0005, timeout=10000)
    worker.stop()
    assert worker.wait(5)
    lrs = rec.steps()[:, 3]
    first = int(np.argmax(lrs == 0.0005))
    assert np.all(lrs[:first] == 0.01) and np.all(lrs[first:] == 0.0005)
    assert worker.trainer.opt.lr == 0.0005


def test_a_diverging_run_ends_with_finite_weights_restored(qtbot):
    worker = make_worker(epochs=3, optimizer="sgd", lr=1e30)
    rec = Recorder(worker)
    run_to_end(qtbot, worker)
    done = rec.done[0]
    assert done.reason == "diverged" and "diverged" in done.message
    final = rec.snapshots[-1]
    assert all(np.isfinite(w).all() for w in final.weights.values())
    assert all(np.isfinite(w).all() for w in worker.trainer.net.params.values())


def test_each_epoch_writes_a_checkpoint_that_loads_with_its_history(qtbot, tmp_path):
    path = tmp_path / "ckpt" / "bars-tiny.npz"
    worker = make_worker(epochs=2, checkpoint=path)
    saved = []
    worker.checkpointSaved.connect(saved.append)
    run_to_end(qtbot, worker)
    qtbot.waitUntil(lambda: len(saved) == 2, timeout=2000)
    assert saved == [str(path)] * 2
    model = load_model(path)
    assert len(model.history["epochs"]) == 2 and len(model.history["step_loss"]) == 20
    assert model.class_names == ["horizontal", "vertical", "diagonal"]
    assert model.extra["recipe"]["arch"] == "tiny" and model.extra["checkpoint"] is True
    np.testing.assert_array_equal(model.network.params["fc1.W"], worker.trainer.net.params["fc1.W"])
    assert not list(path.parent.glob("*.tmp*"))        # written atomically: no leftovers


def test_a_save_requested_while_running_happens_between_steps(qtbot, tmp_path):
    worker = make_worker(epochs=500)
    done = []
    worker.saveDone.connect(lambda path, error: done.append((path, error)))
    worker.start()
    qtbot.waitUntil(lambda: worker.trainer.step_count >= 2, timeout=10000)
    worker.request_save(tmp_path / "mid.npz")
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    worker.stop()
    assert worker.wait(5)
    assert done == [(str(tmp_path / "mid.npz"), "")]
    assert load_model(tmp_path / "mid.npz").history["step_loss"]


def test_a_crash_in_the_run_is_reported_not_swallowed(qtbot):
    worker = make_worker(epochs=1)

    def broken(_batch):
        raise RuntimeError("augmentation exploded")
    worker.trainer.augment = broken
    with qtbot.waitSignal(worker.failed, timeout=10000) as blocker:
        worker.start()
    assert "augmentation exploded" in blocker.args[0]
    assert worker.wait(5)
