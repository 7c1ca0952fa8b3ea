"""Receptive fields against a numerical probe: perturb one input pixel, see which cells change."""
import numpy as np
import pytest

from cnnviz.explain import field_sizes, receptive_field
from cnnviz.nn import PRESETS, Network, preset_spec

SHAPE = (2, 13, 12)             # odd, unequal sides and two channels: padding, floors and channel mixing show


def probe_network(spec: dict) -> Network:
    """``spec`` in float64 with positive weights (scaled by fan-in) and biases, so every
    dependency shows: no ReLU sits at zero and, with a huge perturbation, the perturbed
    cell always wins its max-pool windows. FFT convolutions run by im2col instead: the
    FFT's rounding touches every output, which would hide which ones truly depend."""
    def direct(layers):
        for layer in layers:
            layer.pop("method", None)
            direct(layer.get("layers", []))
    direct(spec["layers"])
    net = Network(spec, seed=0, dtype=np.float64)
    rng = np.random.default_rng(0)
    for key, p in net.params.items():
        fan_in = np.prod(p.shape[1:]) if p.ndim == 4 else p.shape[0] if p.ndim == 2 else 1
        p[...] = rng.uniform(0.5, 1.0, p.shape) / fan_in
    return net


def probed_dependencies(net: Network):
    """For every entry: bool (N_pixels, *shape): which cells change when each input pixel does."""
    c, h, w = net.input_shape
    base = np.random.default_rng(1).uniform(0.2, 1.0, (c, h, w))
    batch = np.repeat(base[None], c * h * w + 1, axis=0)
    flat = batch[1:].reshape(c * h * w, -1)
    flat[np.arange(c * h * w), np.arange(c * h * w)] += 1e18
    trace = net.trace(batch)
    # a real dependency moves a cell by ~1e18; the engine's rounding may differ in the last
    # bits from one position in the batch to another (blocked products), which is no dependency
    return [np.abs(t.value[1:] - t.value[:1]) > 1e-12 * (1 + np.abs(t.value[:1])) for t in trace]


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_receptive_fields_match_the_probe_for_every_preset(preset):
    net = probe_network(preset_spec(preset, SHAPE, 3))
    depends = probed_dependencies(net)
    rng = np.random.default_rng(2)
    for index, entry in enumerate(net.entries()):
        shape = entry.shape
        cells = [tuple(0 for _ in shape), tuple(s - 1 for s in shape), tuple(s // 2 for s in shape)]
        cells += [tuple(int(rng.integers(s)) for s in shape) for _ in range(4)]
        for cell in cells:
            field = receptive_field(net, index, cell)
            probe = depends[index][(slice(None),) + cell].reshape(SHAPE)
            assert np.array_equal(field.mask, probe), (preset, entry.name, cell)
            assert field.pixels == int(probe.any(axis=0).sum())


def test_a_field_with_holes_and_a_skip_connection():
    spec = {"input_shape": [1, 11, 11], "layers": [
        {"type": "conv", "name": "sub", "filters": 2, "kernel": 1, "stride": 2},        # 11 -> 6, every other pixel
        {"type": "residual", "name": "res", "layers": [
            {"type": "conv", "name": "inner", "filters": 2, "kernel": 3, "padding": "same"}]},
        {"type": "flatten"}, {"type": "dense", "units": 2}]}
    net = probe_network(spec)
    depends = probed_dependencies(net)
    field = receptive_field(net, 3, (1, 2, 2))                   # the residual block's output
    assert np.array_equal(field.mask, depends[3][:, 1, 2, 2].reshape(1, 11, 11))
    assert field.box == (2, 2, 7, 7) and field.size == (5, 5) and not field.solid and field.pixels == 9
    assert field.text == "res · 5x5 of the 11x11 input (9 of its 25 pixels)"


def test_channels_separate_until_the_first_convolution():
    spec = {"input_shape": [3, 8, 8], "layers": [
        {"type": "maxpool", "name": "pool", "kernel": 2},
        {"type": "conv", "name": "conv", "filters": 2, "kernel": 3},
        {"type": "flatten"}, {"type": "dense", "units": 2}]}
    net = Network(spec)
    assert receptive_field(net, 1, (2, 1, 1)).channels == (2,)
    assert receptive_field(net, 2, (0, 1, 1)).channels == (0, 1, 2)
    assert receptive_field(net, 2, (0, 1, 1)).text == "conv · 6x6 of the 8x8 input"


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_strip_sizes_are_the_field_of_a_cell_away_from_the_border(preset):
    net = Network(preset_spec(preset, (1, 48, 48), 10))
    sizes = field_sizes(net)
    entries = net.entries()
    assert [s.layer for s in sizes] == [e.name for e in entries]
    for index, (size, entry) in enumerate(zip(sizes, entries)):
        if size.jump is None:
            assert size.text == receptive_field(net, index, (0,) * len(entry.shape)).text
            continue
        if len(entry.shape) == 1:                             # a flattened map, before any dense layer
            continue
        cell = (0,) + tuple(s // 2 for s in entry.shape[1:])
        assert receptive_field(net, index, cell).size == size.span, (preset, entry.name)
    deep = {s.layer: s.text for s in field_sizes(Network(preset_spec("deep")))}
    assert deep["conv3"] == "conv3 · 10x10" and deep["pool2"] == "pool2 · 16x16"
    assert deep["fc1"] == "fc1 · all of the 28x28 input"
    small = {s.layer: s.text for s in field_sizes(Network(preset_spec("deep", (1, 12, 12))))}
    assert small["conv4"] == "conv4 · 14x14 (larger than the 12x12 input, which cuts it off)"
