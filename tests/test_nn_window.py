"""Network.entries() and the window geometry conv and pool layers answer for the views."""
import numpy as np
import pytest

from cnnviz.nn import PRESETS, AvgPool2D, Conv2D, MaxPool2D, Network, preset_spec


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_entries_name_every_trace_position(preset):
    net = Network(preset_spec(preset, (1, 28, 28), 10), seed=0)
    trace = net.trace(np.random.default_rng(0).random((1, 1, 28, 28), np.float32))
    entries = net.entries()
    assert [e.name for e in entries] == [t.name for t in trace]
    assert [e.kind for e in entries] == [t.kind for t in trace]
    assert [tuple(e.shape) for e in entries] == [t.value.shape[1:] for t in trace]
    assert entries[0].layer is None and entries[-1].layer is None
    assert all(net.layer(e.name) is e.layer for e in entries[1:-1])


def _built(layer, shape):
    layer.build(shape, np.random.default_rng(0))
    return layer


@pytest.mark.parametrize("layer", [
    lambda: MaxPool2D(kernel=3, stride=2, padding="same", name="p"),
    lambda: MaxPool2D(kernel=2, stride=1, padding="same", name="p"),
    lambda: AvgPool2D(kernel=(3, 2), stride=(2, 1), padding=1, name="p"),
    lambda: Conv2D(4, kernel=5, stride=2, padding="same", name="c"),
])
def test_window_bounds_match_a_one_hot_probe(layer):
    """The cells a window covers are exactly the inputs whose change moves that output."""
    layer = _built(layer(), (1, 7, 9))
    if isinstance(layer, Conv2D):
        layer.params["W"][...] = 1.0
    base = layer.forward(np.zeros((1, 1, 7, 9), np.float32))
    oh, ow = layer.out_hw
    depends = np.zeros((oh, ow, 7, 9), bool)
    for r in range(7):
        for c in range(9):
            x = np.zeros((1, 1, 7, 9), np.float32)
            x[0, 0, r, c] = 1.0
            depends[:, :, r, c] = (layer.forward(x) != base)[0, 0]
    for i in range(oh):
        for j in range(ow):
            t, l, b, r = layer.window_bounds(i, j)
            expect = np.zeros((7, 9), bool)
            expect[t:b, l:r] = True
            assert (depends[i, j] == expect).all(), (i, j)
    starts, ends = layer.window_spans(0)
    assert (ends - starts == layer.kernel[0]).all()
    assert layer.window_bounds(0, 0, clip=False)[:2] == (starts[0], layer.window_spans(1)[0][0])


def test_winner_agrees_with_winners_even_on_ties():
    rng = np.random.default_rng(3)
    pool = _built(MaxPool2D(kernel=3, stride=2, padding="same", name="p"), (1, 9, 8))
    x = rng.integers(0, 3, (9, 8)).astype(np.float32)           # many ties
    every = pool.winners(x[None, None])[0, 0]
    for i in range(pool.out_hw[0]):
        for j in range(pool.out_hw[1]):
            assert pool.winner(x, i, j) == tuple(every[i, j])


def test_window_reduce_is_the_window_minimum():
    pool = _built(MaxPool2D(kernel=2, stride=2, padding="same", name="p"), (1, 5, 5))
    x = np.arange(25, dtype=np.float32).reshape(5, 5)
    low = pool.window_reduce(x, np.minimum, np.inf)
    assert low.tolist() == [[0, 2, 4], [10, 12, 14], [20, 22, 24]]
