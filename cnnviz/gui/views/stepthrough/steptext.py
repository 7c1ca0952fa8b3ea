"""The words and tables of a step-through, from the explain results (no widgets here).

Every number written is one the result holds: the engine's stored float32 values with
:func:`number_text` (all the digits that identify them), the exact sums rounded once; in
tables (dense contributions, the softmax) the values are written with 4 significant digits,
the sums under them whole.
"""
from __future__ import annotations

import html
from typing import Optional, Sequence

from ....explain import (ActivationStep, ConvStep, DenseStep, PassStep, PoolStep, ResidualStep, Rounding,
                         SoftmaxStep, number_text)
from ...widgets.numbergrid import short_number


def exact(v: float) -> str:
    """An exact sum (float64) in up to 10 significant digits."""
    return f"{float(v):.10g}".replace("-", "−")


def stored(v: float) -> str:
    """A value the engine stored (float32), with every digit that identifies it."""
    return number_text(v).replace("-", "−")


def brief(v: float) -> str:
    """A value in a table: 4 significant digits (the sums below it are written whole)."""
    return short_number(v, 4)


def cell_text(cell: Sequence[int]) -> str:
    """(3, 5, 7) -> 'map 3, row 5, col 7'; (7,) -> 'unit 7'."""
    if len(cell) == 3:
        return f"map {cell[0]}, row {cell[1]}, col {cell[2]}"
    return f"unit {cell[0]}"


def rounding_line(r: Rounding) -> str:
    """Nothing when the stored value is exactly the computation; else the sentence saying why not."""
    return "" if r.difference == 0 else r.text


def _lines(*parts: Optional[str]) -> str:
    return "<br>".join(p for p in parts if p)


def conv_sums(step: ConvStep, channel: int) -> str:
    """How the products become the stored value (rich text)."""
    c_count = step.products.shape[0]
    n = step.products.size
    kh, kw = step.products.shape[1:]
    lines = []
    if c_count > 1:
        lines.append(f"channel {channel}: Σ of its {kh * kw} products = {exact(step.channel_sums[channel])}")
        lines.append(f"Σ over all {c_count} channels' sums ({n} products) = <b>{exact(step.products_sum)}</b>")
    else:
        lines.append(f"Σ of the {n} products = <b>{exact(step.products_sum)}</b>")
    lines.append(f"+ bias {stored(step.bias)} = {exact(step.total)}")
    lines.append(f"stored in the map (float32): <b>{stored(step.result)}</b>")
    return _lines(*lines, html.escape(rounding_line(step.rounding)))


def pool_sums(step: PoolStep) -> str:
    """The max (and its winner) or the mean, and where the gradient goes."""
    if step.kind == "max":
        r, c = step.winner
        what = (f"max of the {step.count} real cells = <b>{stored(step.result)}</b>, "
                f"the winner at row {r}, col {c} of the input")
        grad = "In training this cell's gradient goes only to the winner (share 1); the others get 0."
    else:
        what = f"mean of the {step.count} real cells = <b>{stored(step.result)}</b>"
        grad = f"In training each of the {step.count} cells gets 1/{step.count} of this cell's gradient."
    return _lines(what, html.escape(rounding_line(step.rounding)), grad)


def activation_text(step: ActivationStep, source: str) -> str:
    """x, the formula and the result; whether a gradient gets through."""
    gate = ("the gradient passes (slope 1)" if step.kind == "ReLU" and step.passes else
            "the gradient is blocked here (slope 0): x ≤ 0" if step.kind == "ReLU" else
            f"slope {step.slope:.4g}: the gradient is multiplied by it on its way back")
    return _lines(f"x = {stored(step.x)} (from {html.escape(source)}, the same cell)",
                  f"{step.kind}: {html.escape(step.formula)} = <b>{stored(step.result)}</b>",
                  html.escape(rounding_line(step.rounding)), gate)


def residual_text(step: ResidualStep) -> str:
    return _lines(f"F(x) = {stored(step.fx)} (from {html.escape(step.fx_layer)})",
                  f"+ x = {stored(step.x)} (from {html.escape(step.x_layer)}, the block's input)",
                  f"= <b>{stored(step.result)}</b>", html.escape(rounding_line(step.rounding)))


def pass_text(step: PassStep) -> str:
    if step.source is None:
        return f"input pixel = <b>{stored(step.value)}</b>"
    return (f"<b>{stored(step.value)}</b>, unchanged from {html.escape(step.source_layer)} "
            f"({cell_text(step.source) if len(step.source) == 3 else f'unit {step.source[0]}'})")


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], bold_row: Optional[int] = None) -> str:
    th = "".join(f"<th align='right'>&nbsp;{h}&nbsp;</th>" for h in head)
    body = []
    for i, row in enumerate(rows):
        cells = "".join(f"<td align='right'>&nbsp;{c}&nbsp;</td>" for c in row)
        style = " style='font-weight:bold'" if i == bold_row else ""
        body.append(f"<tr{style}>{cells}</tr>")
    return f"<table cellspacing='0' cellpadding='1'><tr>{th}</tr>{''.join(body)}</table>"


def dense_table(step: DenseStep) -> str:
    """The largest contributions, the rest, the bias and the result (rich text)."""
    rows = []
    for rank, (src, x, w, p) in enumerate(zip(step.sources, step.x, step.weights, step.products), 1):
        where = cell_text(src) if len(src) == 3 else f"input {src[0]}"
        rows.append([str(rank), html.escape(where), brief(x), brief(w), brief(p)])
    head = ["#", f"input ({html.escape(step.source_layer)})", "x", "weight w", "x × w"]
    parts = [_table(head, rows)]
    if step.rest_count:
        parts.append(f"the other {step.rest_count} inputs' products added: {exact(step.rest_sum)}")
    if step.zero_inputs:
        parts.append(f"({step.zero_inputs} of the {step.inputs} inputs are 0 and add nothing)")
    parts.append(f"Σ of all {step.inputs} products = {exact(step.products_sum)}")
    parts.append(f"+ bias {stored(step.bias)} = {exact(step.products_sum + step.bias)}")
    parts.append(f"stored (float32): <b>{stored(step.result)}</b>")
    return _lines(*parts, html.escape(rounding_line(step.rounding)))


def softmax_table(step: SoftmaxStep, picked: Optional[int] = None) -> str:
    """Each logit, minus the largest, its exponential, divided by the sum: the bars' numbers."""
    rows = [[html.escape(name), brief(z), brief(s), brief(e), brief(p), f"{100 * float(p):.1f}%"]
            for name, z, s, e, p in zip(step.class_names, step.logits, step.shifted, step.exps, step.probabilities)]
    head = ["class", "logit z", "z − max", "e^(z − max)", "÷ Σ = p", "bar"]
    bold = step.top if picked is None else picked
    same = ("dividing gives the stored probabilities bit for bit" if step.reproduced
            else "the stored probabilities differ from this division in the last bits")
    return _lines(_table(head, rows, bold),
                  f"max = {stored(step.shift)}; Σ of the exponentials = {stored(step.total)} (float32); {same}.",
                  f"The probabilities add up to {exact(step.probabilities_sum)}.")
