"""Named architectures, each for any input channels, size (from 12x12 up; sides may be
odd and need not be equal) and number of classes.

Every preset returns plain architecture data (see :class:`Network`):

- ``simple``: the textbook SimpleConvNet, exactly.
- ``liteocr``: the hand-drawn letter recognizer ("lite OCR"): FFT convolutions.
- ``two-conv``: the two-convolution MNIST net.
- ``lenet5``: LeNet-5 with sigmoid (or tanh) and average-pooling subsampling.
- ``deep``: VGG-like stacks of 3x3 convolutions (two 3x3 see what one 5x5
  sees, with 18 weights instead of 25).
- ``resnet-mini``: small residual network, blocks output F(x) + x.
- ``bn-conv``: 3x3 convolutions with batch normalisation (the ``fast`` recipe's).
"""
from __future__ import annotations

from typing import Callable, Dict, Sequence


def _conv(filters, kernel, padding, stride=1, **kw):
    return {"type": "conv", "filters": filters, "kernel": kernel, "stride": stride, "padding": padding, **kw}


def simple(input_shape, classes, init="normal", std=0.01):
    """conv 30 5x5/1 pad 0 -> ReLU -> maxpool 2x2/2 -> dense 100 -> ReLU -> dense.

    The pool floors an odd map size as the textbook's pooling does (an odd last
    row and column are left out); 28x28 gives 24x24 -> 12x12 exactly."""
    weights = {"init": init, "std": std}
    return [
        _conv(30, 5, 0, name="conv1", **weights), {"type": "relu", "name": "relu1"},
        {"type": "maxpool", "name": "pool1", "kernel": 2, "stride": 2, "rounding": "floor"},
        {"type": "flatten", "name": "flatten"},
        {"type": "dense", "name": "fc1", "units": 100, **weights}, {"type": "relu", "name": "relu2"},
        {"type": "dense", "name": "fc2", "units": classes, **weights},
    ]


def liteocr(input_shape, classes, filters=32, kernel=3, dropout=0.25, init="he"):
    """conv 'full' (H+K-1) -> ReLU -> conv 'valid' (H-K+1) -> ReLU -> maxpool 2x2
    -> dropout 0.25 -> flatten -> dense. Both convolutions run through the FFT."""
    pool_pad = "valid" if input_shape[1] % 2 == 0 and input_shape[2] % 2 == 0 else "same"
    return [
        _conv(filters, kernel, "full", name="conv1", method="fft", init=init), {"type": "relu", "name": "relu1"},
        _conv(filters, kernel, "valid", name="conv2", method="fft", init=init), {"type": "relu", "name": "relu2"},
        {"type": "maxpool", "name": "pool1", "kernel": 2, "stride": 2, "padding": pool_pad},
        {"type": "dropout", "name": "drop1", "rate": dropout},
        {"type": "flatten", "name": "flatten"},
        {"type": "dense", "name": "fc1", "units": classes, "init": "xavier"},
    ]


def two_conv(input_shape, classes, dropout=0.5, init="he"):
    """conv 32 5x5 same -> ReLU -> pool -> conv 64 5x5 same -> ReLU -> pool ->
    fc 1024 -> ReLU -> dropout -> fc."""
    return [
        _conv(32, 5, "same", name="conv1", init=init), {"type": "relu", "name": "relu1"},
        {"type": "maxpool", "name": "pool1", "kernel": 2, "stride": 2, "padding": "same"},
        _conv(64, 5, "same", name="conv2", init=init), {"type": "relu", "name": "relu2"},
        {"type": "maxpool", "name": "pool2", "kernel": 2, "stride": 2, "padding": "same"},
        {"type": "flatten", "name": "flatten"},
        {"type": "dense", "name": "fc1", "units": 1024, "init": init}, {"type": "relu", "name": "relu3"},
        {"type": "dropout", "name": "drop1", "rate": dropout},
        {"type": "dense", "name": "fc2", "units": classes, "init": "xavier"},
    ]


def lenet5(input_shape, classes, activation="sigmoid"):
    """LeNet-5: conv 6 5x5 -> act -> avgpool 2 -> conv 16 5x5 -> act -> avgpool 2
    -> fc 120 -> act -> fc 84 -> act -> fc. A 28x28 input is padded by 2 so
    the first layer sees LeNet's original 32x32."""
    if activation not in ("sigmoid", "tanh"):
        raise ValueError("lenet5 activation must be 'sigmoid' or 'tanh'")
    act = lambda i: {"type": activation, "name": f"{activation}{i}"}
    first_pad = 2 if tuple(input_shape[1:]) == (28, 28) else "same" if min(input_shape[1:]) < 32 else 0
    return [
        _conv(6, 5, first_pad, name="conv1", init="xavier"), act(1),
        {"type": "avgpool", "name": "pool1", "kernel": 2, "stride": 2, "padding": "same"},
        _conv(16, 5, "valid", name="conv2", init="xavier"), act(2),
        {"type": "avgpool", "name": "pool2", "kernel": 2, "stride": 2, "padding": "same"},
        {"type": "flatten", "name": "flatten"},
        {"type": "dense", "name": "fc1", "units": 120, "init": "xavier"}, act(3),
        {"type": "dense", "name": "fc2", "units": 84, "init": "xavier"}, act(4),
        {"type": "dense", "name": "fc3", "units": classes, "init": "xavier"},
    ]


def deep(input_shape, classes, dropout=0.5, init="he"):
    """VGG-like: [conv 32 3x3 same, ReLU] x2 -> pool -> [conv 64 3x3 same, ReLU] x2
    -> pool -> fc 256 -> ReLU -> dropout -> fc."""
    layers = []
    for block, filters in ((1, 32), (2, 64)):
        for j in (1, 2):
            i = 2 * (block - 1) + j
            layers += [_conv(filters, 3, "same", name=f"conv{i}", init=init), {"type": "relu", "name": f"relu{i}"}]
        layers.append({"type": "maxpool", "name": f"pool{block}", "kernel": 2, "stride": 2, "padding": "same"})
    layers += [
        {"type": "flatten", "name": "flatten"},
        {"type": "dense", "name": "fc1", "units": 256, "init": init}, {"type": "relu", "name": "relu5"},
        {"type": "dropout", "name": "drop1", "rate": dropout},
        {"type": "dense", "name": "fc2", "units": classes, "init": "xavier"},
    ]
    return layers


def resnet_mini(input_shape, classes, init="he"):
    """conv 16 3x3 -> ReLU -> res[conv, ReLU, conv] -> ReLU -> pool -> conv 32 3x3
    -> ReLU -> res[conv, ReLU, conv] -> ReLU -> pool -> fc."""
    def block(name, filters, tag):
        return {"type": "residual", "name": name, "layers": [
            _conv(filters, 3, "same", name=f"{tag}a", init=init), {"type": "relu", "name": f"{tag}relu"},
            _conv(filters, 3, "same", name=f"{tag}b", init=init)]}
    return [
        _conv(16, 3, "same", name="conv1", init=init), {"type": "relu", "name": "relu1"},
        block("res1", 16, "res1_conv"), {"type": "relu", "name": "relu2"},
        {"type": "maxpool", "name": "pool1", "kernel": 2, "stride": 2, "padding": "same"},
        _conv(32, 3, "same", name="conv2", init=init), {"type": "relu", "name": "relu3"},
        block("res2", 32, "res2_conv"), {"type": "relu", "name": "relu4"},
        {"type": "maxpool", "name": "pool2", "kernel": 2, "stride": 2, "padding": "same"},
        {"type": "flatten", "name": "flatten"},
        {"type": "dense", "name": "fc1", "units": classes, "init": "xavier"},
    ]


def bn_conv(input_shape, classes, widths=(24, 48), hidden=128, init="he"):
    """Batch-normalised convolutions: [conv 3x3 same -> BatchNorm -> ReLU -> maxpool 2]
    per width in ``widths`` -> dense ``hidden`` -> BatchNorm -> ReLU -> dense. The
    normalisation lets it train with large learning rates (the ``fast`` recipe); the
    layers before it have no bias, which it would cancel."""
    layers = []
    for i, width in enumerate(widths, start=1):
        layers += [_conv(width, 3, "same", name=f"conv{i}", init=init, bias=False),
                   {"type": "batchnorm2d", "name": f"bn{i}"}, {"type": "relu", "name": f"relu{i}"},
                   {"type": "maxpool", "name": f"pool{i}", "kernel": 2, "stride": 2, "padding": "same"}]
    n = len(widths) + 1
    return layers + [
        {"type": "flatten", "name": "flatten"},
        {"type": "dense", "name": "fc1", "units": hidden, "init": init, "bias": False},
        {"type": "batchnorm1d", "name": f"bn{n}"}, {"type": "relu", "name": f"relu{n}"},
        {"type": "dense", "name": "fc2", "units": classes, "init": "xavier"},
    ]


PRESETS: Dict[str, Callable] = {
    "simple": simple, "liteocr": liteocr, "two-conv": two_conv,
    "lenet5": lenet5, "deep": deep, "resnet-mini": resnet_mini, "bn-conv": bn_conv,
}


def preset_spec(name: str, input_shape: Sequence[int] = (1, 28, 28), classes: int = 10, **options) -> dict:
    """Architecture data for preset ``name`` with the given input (C, H, W) and class count.

    ``options`` are the preset function's keywords (e.g. ``init='he'`` for
    ``simple``, ``activation='tanh'`` for ``lenet5``).
    """
    try:
        make = PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown preset {name!r}; choose from {', '.join(PRESETS)}") from None
    input_shape = [int(s) for s in input_shape]
    return {"name": name, "input_shape": input_shape, "layers": make(input_shape, int(classes), **options)}
