"""The words of the training curves: the readout under them and short axis numbers."""
from __future__ import annotations

from typing import Tuple

from .curvedata import CurveData, nearest_row

NO_TRAINING = "No training yet: press Train and the curves grow here."


def compact_number(v: float) -> str:
    """0.001 -> '0.001', 0.0003 -> '3e-4', 2.5e-05 -> '2.5e-5', 0 -> '0'."""
    if v != 0 and abs(v) < 0.001:
        mantissa, exp = f"{v:.1e}".split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{int(exp)}"
    return f"{v:.2g}"


def latest_text(data: CurveData, with_lr: bool = False) -> str:
    """The readout when the mouse is not over the curves: the newest values (and, ``with_lr``,
    the learning rate first on the second line: for when no plot shows it)."""
    if data.is_empty():
        return NO_TRAINING
    last = data.steps.last("step") if len(data.steps) else data.epochs[-1]["step"]
    text = describe(data, last, "latest")[0]
    if with_lr and len(data.steps):
        first, _, rest = text.partition("\n")
        text = f"{first}\nlr {data.steps.last('lr'):.3g}" + (f" · {rest}" if rest else "")
    return text


def describe(data: CurveData, x: float, what: str = "loss") -> Tuple[str, float]:
    """(readout text, step it is about) for the data nearest to step ``x``.

    ``what``: 'loss' (step, epoch, loss and its average, the last test loss),
    'accuracy' (the nearest epoch's train and test accuracy), 'lr', or
    'latest' (step, epoch and smoothed loss, then the last epoch's accuracies).
    The text has at most two lines (the readout shows both).
    """
    steps, epochs, stride = data.steps, data.epochs, data.stride
    if what == "accuracy" and epochs:
        e = min(epochs, key=lambda r: abs(r["step"] - x))
        text = f"after epoch {e['epoch']} (step {e['step']:,}): " + _accuracies(e)
        if len(steps):
            i = nearest_row(steps.view("step"), e["step"])
            text += f"\nbatch accuracy (smoothed) {steps.view('acc_ema')[i]:.1f}%"
        return text, float(e["step"])
    if not len(steps):
        return describe(data, x, "accuracy")
    s = steps
    i = nearest_row(s.view("step"), x)
    at = float(s.view("step")[i])
    head = f"step {at:,.0f}"
    if stride > 1:
        lo = at - (stride - 1) / 2
        head = f"steps {lo:,.0f}–{lo + stride - 1:,.0f} (mean)"
    head += f", epoch {1 + sum(1 for e in epochs if e['step'] < at)}"
    if what == "lr":
        return f"{head} · learning rate {s.view('lr')[i]:.3g}", at
    done = [e for e in epochs if e["step"] <= at + stride / 2]
    if what == "latest":
        # where the run is and how it goes, then how good it was at the last evaluation
        text = f"{head} · loss {s.view('loss_ema')[i]:.3g} (smoothed)"
        if done:
            text += f"\nafter epoch {done[-1]['epoch']}: {_accuracies(done[-1])}"
        return text, at
    text = f"{head} · loss {s.view('loss')[i]:.3g} (smoothed {s.view('loss_ema')[i]:.3g})"
    if not done:
        text += f"\nbatch accuracy {s.view('acc')[i]:.0f}%"
    elif done[-1].get("test_loss") is not None:
        text += f"\ntest loss {done[-1]['test_loss']:.3g} after epoch {done[-1]['epoch']}"
    return text, at


def _accuracies(e: dict) -> str:
    text = f"train {_pct(e.get('train_accuracy'))}"
    return text + (f", test {_pct(e['test_accuracy'])}" if e.get("test_accuracy") is not None else "")


def _pct(v) -> str:
    return "–" if v is None else f"{100 * float(v):.2f}%"
