"""The divergence guard, the best checkpoint kept apart, and `train` on the command line when a run goes wrong."""
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from cnnviz.cli.main import main
from cnnviz.modelio import load_model, save_model
from cnnviz.nn import Network, preset_spec
from cnnviz.nn.optim import make_optimizer
from cnnviz.train import DivergenceGuard, GuardSettings, TrainConfig, Trainer
from cnnviz.train.checkpoints import Checkpoints, best_path

from synthetic import TINY_NET, bars
from test_cli import write_idx_dataset

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# -- the guard on its own ------------------------------------------------------------
def feed(guard, losses):
    """Give ``losses`` to the guard step by step; the first Divergence, or None."""
    for step, loss in enumerate(losses):
        problem = guard.check_loss(loss, step)
        if problem is not None:
            return problem
        guard.accept(loss)
    return None


def test_noisy_losses_and_the_first_steps_never_trigger_the_guard():
    rng = np.random.default_rng(0)
    steps = np.arange(5000)
    trend = 0.02 + 2.3 * np.exp(-steps / 300)
    # batch-1-like noise: most losses tiny, one in twenty a misclassified sample of a few nats
    noisy = trend * rng.lognormal(0, 0.8, len(steps))
    misses = rng.random(len(steps)) < 0.05
    noisy[misses] = 2 + rng.exponential(1.5, misses.sum())
    first_steps = [2.3, 2.9, 4.5, 6.0, 3.1, 2.2, 1.7]          # a bumpy start is no divergence
    net = Network(TINY_NET)
    assert feed(DivergenceGuard(net), first_steps + list(noisy)) is None


def test_a_jump_that_lasts_is_a_divergence_and_a_single_spike_is_not():
    net = Network(TINY_NET)
    calm = [0.3] * 30
    assert feed(DivergenceGuard(net), calm + [9.0] + calm) is None
    problem = feed(DivergenceGuard(net), calm + [9.0, 12.0, 40.0])
    assert problem.cause == "loss-jump" and problem.step == 30
    assert "jumped to 9, more than 10 times its recent level (0.3) and above every recent loss, and stayed there for 3 steps" in problem.what
    assert feed(DivergenceGuard(net, GuardSettings(persist=1)), calm + [9.0]).step == 30
    assert feed(DivergenceGuard(net), calm + [float("nan")]).cause == "not-finite"


# -- the trainer with the guard ------------------------------------------------------
def make_trainer(net, optimizer="adam", lr=0.01, epochs=20, batch=20):
    x, y = bars(300, side=net.input_shape[1], seed=1)
    tx, ty = bars(100, side=net.input_shape[1], seed=2)
    return Trainer(net, make_optimizer(optimizer, lr), x, y, tx, ty,
                   TrainConfig(epochs=epochs, batch_size=batch, seed=0))


def test_raising_the_learning_rate_mid_run_stops_it_with_the_weights_of_before():
    tr = make_trainer(Network(TINY_NET, seed=0))
    kept = {}

    def on_event(e):
        if e.kind == "step" and e.step == 40:
            kept.update(tr.net.get_weights())
            tr.set_lr(5)
    done = tr.run(on_event)
    assert done.reason == "diverged" and done.restored_step == 40
    assert done.divergence.cause in ("loss-jump", "dead-relu")
    assert "the learning rate 5 is too high" in done.message
    assert "the weights of step 40 (the last good ones) are kept" in done.message
    for name, value in tr.net.params.items():
        np.testing.assert_array_equal(value, kept[name])
    assert tr.opt.t == 40                           # Adam's state is that of step 40 too


def test_a_dead_relu_is_named_and_the_weights_before_it_are_kept():
    tr = make_trainer(Network(TINY_NET, seed=0), epochs=5)
    before = {}

    def on_event(e):
        if e.kind == "step" and e.step == 10:
            before.update(tr.net.get_weights())
            tr.net.params["conv1.b"][...] = -1e4    # every unit of conv1 is now below zero
    done = tr.run(on_event)
    assert done.reason == "diverged" and done.divergence.cause == "dead-relu"
    assert done.divergence.layer == "conv1" and done.divergence.relu == "relu1"
    assert "every unit of conv1 now outputs 0 after its ReLU ('dead ReLU')" in done.message
    assert done.restored_step == 9
    assert tr.net.params["conv1.b"].max() > -1e3     # the weights of before the break are back


def test_healthy_runs_with_tiny_batches_are_not_stopped():
    tr = make_trainer(Network(TINY_NET, seed=0), epochs=2, batch=1, lr=0.003)
    assert tr.run().reason == "completed"


# -- checkpoints ------------------------------------------------------------------------
def test_the_best_checkpoint_is_never_replaced_by_a_worse_one(tmp_path):
    net = Network(TINY_NET)
    names = ["a", "b", "c"]
    current = {}

    def save(path):
        save_model(path, net, names, test_accuracy=current["acc"])
    latest = tmp_path / "run.npz"
    assert best_path(latest) == tmp_path / "run-best.npz"
    checkpoints = Checkpoints(latest, save)
    for epoch, acc in enumerate([0.5, 0.7, 0.6, 0.65], 1):
        current["acc"] = acc
        written = checkpoints.after_epoch(epoch, acc)
        assert load_model(latest).test_accuracy == acc
        assert (written.best is not None) == (epoch in (1, 2))
    assert load_model(tmp_path / "run-best.npz").test_accuracy == 0.7
    assert (checkpoints.best.epoch, checkpoints.best.test_accuracy) == (2, 0.7)
    # a later run starting beside a better best file leaves it alone
    again = Checkpoints(latest, save)
    current["acc"] = 0.69
    assert again.after_epoch(1, 0.69).best is None
    assert load_model(tmp_path / "run-best.npz").test_accuracy == 0.7


# -- `train` on the command line ----------------------------------------------------------
@pytest.fixture
def data_dir(tmp_path):
    write_idx_dataset(tmp_path / "data" / "mnist")
    return tmp_path / "data"


def train_json(capsys, argv):
    code = main(["train", "--json", *argv])
    captured = capsys.readouterr()
    return code, {**json.loads(captured.out), "stderr": captured.err}


def test_a_diverging_run_never_overwrites_the_model_file(tmp_path, data_dir, capsys):
    keep = tmp_path / "keep.npz"
    save_model(keep, Network(preset_spec("simple")), [str(i) for i in range(10)], test_accuracy=0.97)
    before = keep.read_bytes()
    code, result = train_json(capsys, ["--lr", "1e20", "--epochs", "2", "--batch", "20", "--data-dir",
                                       str(data_dir), "--out", str(keep)])
    assert code == 1 and result["ended"] == "diverged" and result["model"] is None
    assert result["restored_step"] == 0 and result["divergence"]["cause"] == "not-finite"
    assert f"{keep} was not written" in result["stderr"]
    assert keep.read_bytes() == before


def test_a_huge_learning_rate_does_not_complete_with_success(tmp_path, data_dir, capsys):
    out = tmp_path / "m.npz"
    code, result = train_json(capsys, ["--lr", "1e6", "--epochs", "2", "--batch", "20", "--data-dir",
                                       str(data_dir), "--out", str(out)])
    assert code == 1 and result["ended"] == "diverged" and result["failed"]
    assert "the learning rate 1e+06 is too high" in result["message"]
    assert not out.exists()


def test_a_completed_run_keeps_the_best_epoch_beside_the_model(tmp_path, data_dir, capsys):
    out = tmp_path / "m.npz"
    code, result = train_json(capsys, ["--init", "he", "--epochs", "2", "--limit", "100", "--batch", "20", "--data-dir",
                                       str(data_dir), "--out", str(out)])
    assert code == 0 and result["ended"] == "completed"
    best = result["checkpoints"]["best"]
    assert best["path"] == str(tmp_path / "m-best.npz")
    assert load_model(best["path"]).test_accuracy == best["test_accuracy"] == max(
        e["test_accuracy"] for e in result["epochs"])
    assert not (tmp_path / "m-epoch.npz").exists()        # the model file holds the same weights


def test_ctrl_c_during_training_says_what_was_saved(tmp_path, data_dir):
    out = tmp_path / "keep.npz"
    proc = subprocess.Popen([sys.executable, "main.py", "train", "--epochs", "1000", "--limit", "100", "--batch", "20",
                             "--data-dir", str(data_dir), "--out", str(out)], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            # a test run started in the background inherits SIGINT ignored
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        for line in proc.stdout:                      # wait for the first epoch's line
            if line.startswith("epoch   1:"):
                break
        time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, stderr
    assert "keep.npz was not written" in stderr
    assert f"last epoch checkpoint is {tmp_path / 'keep-epoch.npz'} (epoch " in stderr
    assert "Traceback" not in stderr
    assert load_model(tmp_path / "keep-epoch.npz").network.name == "simple"
    assert not out.exists()
