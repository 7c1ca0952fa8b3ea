"""The training loop, one step at a time, usable from a worker thread.

:meth:`Trainer.steps` is a generator: it yields a :class:`StepEvent` after
every mini-batch, an :class:`EpochEvent` after every epoch (with the
evaluation), and finally a :class:`DoneEvent` saying how the run ended
("completed", "stopped" or "diverged"). Between steps it honours
:meth:`pause`, :meth:`resume` and :meth:`stop`, which are thread-safe and may
be called from any thread. A run with the same seed replays identically.

A stop request is honoured between steps and also inside the end-of-epoch
evaluation (between its inference batches): the run then ends "stopped" at
once, with the trained weights kept and no EpochEvent for the unfinished epoch.

Divergence: before every update the weights and the optimizer's state (Adam's
moments, its step count) are copied into arrays made once, right after the
forward and backward passes showed these weights to be good. A
:class:`~cnnviz.train.guard.DivergenceGuard` judges them: a loss that is not
finite or stays far above its recent level, or a ReLU layer dead on the
batch. When it finds a divergence, or the weights the last update left
are not finite or give a non-finite evaluation loss, the run stops, that copy
is put back (the weights of the step just before, and the optimizer as it was
then), and the DoneEvent says why, in words, and from which step the weights are.
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Optional, Union

import numpy as np

from ..nn.dense import Dropout
from ..nn.loss import SoftmaxCrossEntropy, softmax
from ..nn.network import Network
from ..nn.optim import Optimizer
from ..nn.residual import walk_layers
from .guard import Divergence, DivergenceGuard
from .history import History


@dataclass
class StepEvent:
    step: int                 # steps done in this run, from 1
    epoch: int                # current epoch, from 1
    batch: int                # batch within the epoch, from 1
    batches: int              # batches per epoch
    loss: float               # mini-batch cross-entropy (nats)
    accuracy: float           # mini-batch accuracy (training mode: dropout and augmentation on)
    lr: float
    samples_per_s: float      # training throughput over the epoch so far
    kind: str = "step"


@dataclass
class EpochEvent:
    epoch: int
    train_loss: float         # mean mini-batch loss over the epoch
    train_accuracy: float     # inference accuracy on up to train_eval_limit training images
    test_loss: Optional[float]
    test_accuracy: Optional[float]
    seconds: float            # training time of the epoch (evaluation excluded)
    samples_per_s: float
    kind: str = "epoch"


@dataclass
class StatusEvent:
    status: str               # "paused" or "resumed"
    step: int
    kind: str = "status"


@dataclass
class DoneEvent:
    reason: str               # "completed", "stopped" or "diverged"
    message: str              # one or two sentences for the user
    step: int                 # steps done in this run
    epoch: int
    restored_step: Optional[int] = None        # diverged: the step whose weights were put back
    divergence: Optional[Divergence] = None    # diverged: what the guard saw
    kind: str = "done"


Event = Union[StepEvent, EpochEvent, StatusEvent, DoneEvent]


@dataclass
class TrainConfig:
    epochs: int = 5
    batch_size: int = 100
    seed: int = 0
    train_eval_limit: int = 10000   # training images evaluated each epoch (a fixed subset)
    eval_batch: int = 200           # images per evaluation batch; a stop waits for at most one
    input_scale: float = 1.0 / 255  # uint8 pixels -> [0, 1]


def evaluate(net: Network, x: np.ndarray, y: np.ndarray, batch: int = 500,
             input_scale: float = 1.0 / 255, cancel: Optional[Callable[[], bool]] = None):
    """Inference over a data set: returns (mean loss, accuracy, probabilities (N, K)).

    x: (N, C, H, W) uint8 (scaled by ``input_scale``) or float; y: (N,) ints.
    Returns None if ``cancel()`` became true.
    """
    probs = np.empty((len(x), net.num_classes), np.float32)
    for i in range(0, len(x), batch):
        if cancel is not None and cancel():
            return None
        xb = _as_input(x[i:i + batch], input_scale, net.dtype)
        probs[i:i + batch] = softmax(net.forward(xb))
    n = len(y)
    picked = probs[np.arange(n), y]
    loss = float(-np.mean(np.log(np.maximum(picked, 1e-12)))) if n else float("nan")
    acc = float(np.mean(probs.argmax(1) == y)) if n else float("nan")
    return loss, acc, probs


def _as_input(xb: np.ndarray, scale: float, dtype) -> np.ndarray:
    if xb.dtype == np.uint8:
        out = np.empty(xb.shape, dtype)
        np.multiply(xb, scale, out=out, casting="unsafe")
        return out
    return xb.astype(dtype, copy=False)


class Trainer:
    """Mini-batch training of ``network`` with ``optimizer``.

    train_x: (N, C, H, W) uint8 or float images; train_y: (N,) ints.
    test_x/test_y: optional held-out set evaluated after each epoch.
    augment: optional callable (B, C, H, W) float32 -> same, applied to each batch.
    guard: the divergence guard (default: a DivergenceGuard with default settings).
    frozen: keys of ``network.params`` the optimizer leaves as they are (e.g. the
    convolutions of a fine-tuned network).
    The trainer owns the network while it runs: other threads must not read
    its arrays; they get copies through :meth:`snapshot_weights`.
    """

    def __init__(self, network: Network, optimizer: Optimizer, train_x: np.ndarray, train_y: np.ndarray,
                 test_x: Optional[np.ndarray] = None, test_y: Optional[np.ndarray] = None,
                 config: Optional[TrainConfig] = None, augment: Optional[Callable] = None,
                 history: Optional[History] = None, guard: Optional[DivergenceGuard] = None,
                 frozen: Iterable[str] = ()):
        self.net = network
        self.opt = optimizer
        self.x, self.y = train_x, np.asarray(train_y, dtype=np.int64)
        self.test_x = test_x
        self.test_y = None if test_y is None else np.asarray(test_y, dtype=np.int64)
        self.cfg = config or TrainConfig()
        self.augment = augment
        self.history = history if history is not None else History()
        self.loss_fn = SoftmaxCrossEntropy()
        self.guard = guard if guard is not None else DivergenceGuard(network)
        self.frozen = frozenset(frozen)
        unknown = sorted(self.frozen - set(network.params))
        if unknown:
            raise ValueError(f"cannot freeze {', '.join(unknown)}: the network has no such parameters")
        if len(self.x) != len(self.y) or len(self.x) == 0:
            raise ValueError(f"need as many labels as images (got {len(self.x)} images, {len(self.y)} labels)")
        if int(self.y.max()) >= network.num_classes or int(self.y.min()) < 0:
            raise ValueError(f"labels must be in 0..{network.num_classes - 1} for this network")
        if tuple(self.x.shape[1:]) != network.input_shape:
            raise ValueError(f"images of shape {tuple(self.x.shape[1:])} do not fit the network's "
                             f"input {network.input_shape}")
        self._resume = threading.Event()
        self._resume.set()
        self._stop = threading.Event()
        self._lr_lock = threading.Lock()
        self._lr_request: Optional[float] = None
        self.step_count = 0
        self.epoch = 0

    # -- control (any thread) --------------------------------------------------
    def pause(self) -> None:
        self._resume.clear()

    def resume(self) -> None:
        self._resume.set()

    def stop(self) -> None:
        """End the run before the next step, or within one batch of a running evaluation
        (the weights trained so far are kept); also ends a pause."""
        self._stop.set()
        self._resume.set()

    @property
    def paused(self) -> bool:
        return not self._resume.is_set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def set_lr(self, lr: float) -> None:
        """Ask for a new learning rate; it takes effect before the next step."""
        if not lr > 0:
            raise ValueError("learning rate must be positive")
        with self._lr_lock:
            self._lr_request = float(lr)

    def _take_lr_request(self) -> Optional[float]:
        """The learning rate asked for since the last call, or None (atomic take-and-clear)."""
        with self._lr_lock:
            lr, self._lr_request = self._lr_request, None
        return lr

    # -- the loop (the worker thread) --------------------------------------------
    def steps(self) -> Iterator[Event]:
        """Run the training, yielding an event after each step and epoch (see module doc)."""
        # Overflow is expected when a run diverges; the NaN guard reports it instead.
        with np.errstate(over="ignore", invalid="ignore"):
            yield from self._steps()

    def _steps(self) -> Iterator[Event]:
        cfg = self.cfg
        rng = np.random.default_rng(cfg.seed)
        self._seed_dropout(cfg.seed)
        n = len(self.x)
        batches = math.ceil(n / cfg.batch_size)
        self.history.steps_per_epoch = batches
        good = _LastGood(self.net, self.opt)
        for epoch in range(1, cfg.epochs + 1):
            self.epoch = epoch
            order = rng.permutation(n)
            loss_sum, trained, t_epoch = 0.0, 0, 0.0
            for b in range(batches):
                yield from self._wait_if_paused()
                if self._stop.is_set():
                    yield self._end_stopped(good)
                    return
                lr = self._take_lr_request()
                if lr is not None:
                    self.opt.lr = lr
                t0 = time.perf_counter()
                idx = np.sort(order[b * cfg.batch_size:(b + 1) * cfg.batch_size])
                loss, acc, problem = self._train_batch(idx, good)
                if problem is not None:
                    yield self._diverged(good, problem)
                    return
                t_epoch += time.perf_counter() - t0
                trained += len(idx)
                loss_sum += loss * len(idx)
                rate = trained / t_epoch if t_epoch > 0 else 0.0
                self.history.add_step(loss, acc, self.opt.lr)
                yield StepEvent(self.step_count, epoch, b + 1, batches, loss, acc, self.opt.lr, rate)
            if not _all_finite(self.net.params):
                yield self._diverged(good, _bad_update(self.step_count))
                return
            ended = self._end_epoch(epoch, loss_sum / trained, t_epoch, trained)
            if ended is None:                       # stopped during the evaluation
                yield self._end_stopped(good)
                return
            event, eval_loss = ended
            if not math.isfinite(eval_loss):
                yield self._diverged(good, Divergence(
                    "bad-update", f"the weights the update of step {self.step_count} left give an "
                                  f"evaluation loss of {eval_loss}", self.step_count))
                return
            self.history.add_epoch(event)
            yield event
        self.net.release()
        yield self._done("completed", f"trained {cfg.epochs} epochs ({self.step_count} steps)")

    def run(self, on_event: Optional[Callable[[Event], None]] = None) -> DoneEvent:
        """Run :meth:`steps` to the end, passing each event to ``on_event``; returns the DoneEvent."""
        last = None
        for event in self.steps():
            if on_event is not None:
                on_event(event)
            last = event
        return last

    # -- pieces ---------------------------------------------------------------
    def _wait_if_paused(self):
        if not self._resume.is_set() and not self._stop.is_set():
            yield StatusEvent("paused", self.step_count)
            self._resume.wait()
            if not self._stop.is_set():
                yield StatusEvent("resumed", self.step_count)

    def _train_batch(self, idx: np.ndarray, good: "_LastGood"):
        """One step on the training images ``idx``: (loss, accuracy before the update, None),
        or (loss, accuracy, Divergence) without an update when the guard objects.

        The weights, when the guard trusts them, are kept in ``good`` before the
        update changes them.
        """
        xb = _as_input(self.x[idx], self.cfg.input_scale, self.net.dtype)
        if self.augment is not None:
            xb = self.augment(xb)
        yb = self.y[idx]
        logits = self.net.forward(xb, train=True)
        loss = self.loss_fn.forward(logits, yb)
        problem = self.guard.check_loss(loss, self.step_count)
        if problem is not None:
            return loss, float("nan"), problem
        acc = float(np.mean(np.argmax(logits, axis=1) == yb))
        self.net.backward(self.loss_fn.backward())
        problem = self.guard.check_gradients(self.net.grads, xb, self.step_count)
        if problem is not None:
            return loss, acc, problem
        if self.guard.trusted:
            good.keep(self.step_count)
        self.guard.accept(loss)
        params = self.net.params
        self.opt.step({k: v for k, v in params.items() if k not in self.frozen} if self.frozen else params,
                      self.net.grads)
        self.step_count += 1
        return loss, acc, None

    def _end_epoch(self, epoch: int, train_loss: float, seconds: float, trained: int):
        """Evaluate after an epoch: (EpochEvent, the larger evaluation loss), or None if a
        stop was requested meanwhile."""
        cfg = self.cfg
        cancel = self._stop.is_set
        limit = min(len(self.x), cfg.train_eval_limit)
        result = evaluate(self.net, self.x[:limit], self.y[:limit], cfg.eval_batch, cfg.input_scale, cancel)
        if result is None:
            return None
        eval_loss, train_acc, _ = result
        test_loss = test_acc = None
        if self.test_x is not None and len(self.test_x):
            result = evaluate(self.net, self.test_x, self.test_y, cfg.eval_batch, cfg.input_scale, cancel)
            if result is None:
                return None
            test_loss, test_acc, _ = result
        rate = trained / seconds if seconds > 0 else 0.0
        event = EpochEvent(epoch, train_loss, train_acc, test_loss, test_acc, seconds, rate)
        return event, eval_loss if test_loss is None else max(eval_loss, test_loss)

    def _end_stopped(self, good: "_LastGood") -> DoneEvent:
        """The DoneEvent of a stop request; the weights are kept unless the last update broke them."""
        if not _all_finite(self.net.params):
            return self._diverged(good, _bad_update(self.step_count))
        self.net.release()
        return self._done("stopped", f"stopped by the user after step {self.step_count}")

    def _diverged(self, good: "_LastGood", problem: Divergence) -> DoneEvent:
        good.restore()
        self.net.release()
        if problem.step == 0:
            message = (f"Training could not start: with the starting weights, before any update, "
                       f"{problem.what}. The learning rate is not the cause: check the initialisation "
                       f"and the data.")
        else:
            kept = "the untrained start" if good.step == 0 else "the last good ones"
            message = (f"Training diverged at step {problem.step + 1}: the learning rate {self.opt.lr:g} is "
                       f"too high: {problem.what}; the weights of step {good.step} ({kept}) are kept. "
                       f"Try a lower learning rate.")
        return DoneEvent("diverged", message, self.step_count, self.epoch, good.step, problem)

    def _done(self, reason: str, message: str) -> DoneEvent:
        return DoneEvent(reason, message, self.step_count, self.epoch)

    def _seed_dropout(self, seed: int) -> None:
        drops = [l for l in walk_layers(self.net.layers) if isinstance(l, Dropout)]
        for i, layer in enumerate(drops):
            layer.rng = np.random.default_rng([seed, i])


def _all_finite(arrays: dict) -> bool:
    return all(np.isfinite(a).all() for a in arrays.values())


def _bad_update(step: int) -> Divergence:
    return Divergence("bad-update", f"the update of step {step} left weights that are not finite numbers",
                      step)


class _LastGood:
    """The weights and optimizer state of the last step known good, in arrays made once
    (refreshed with np.copyto before every update; :meth:`restore` puts them back)."""

    def __init__(self, net: Network, opt: Optimizer):
        self.net, self.opt = net, opt
        self.step = 0
        self.weights = net.get_weights()
        self._pairs = [(self.weights[k], p) for k, p in net.params.items()]
        self.opt_state = opt.save_state()

    def keep(self, step: int) -> None:
        """Remember the current weights and optimizer state as those of ``step``."""
        for copy, p in self._pairs:
            np.copyto(copy, p)
        self.opt.save_state(self.opt_state)
        self.step = step

    def restore(self) -> None:
        for copy, p in self._pairs:
            np.copyto(p, copy)
        self.opt.load_state(self.opt_state)
