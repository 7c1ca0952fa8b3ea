"""A small CNN library in plain numpy: layers, networks, optimizers. No Qt here."""
from .activations import ReLU, Sigmoid, Tanh
from .batchnorm import BatchNorm1D, BatchNorm2D
from .conv import Conv2D
from .dense import Dense, Dropout, Flatten
from .fftconv import conv2d_fft
from .im2col import col2im, im2col
from .layer import Layer
from .loss import SoftmaxCrossEntropy, softmax
from .network import LayerEntry, LayerOutput, Network
from .pool import AvgPool2D, MaxPool2D
from .presets import PRESETS, preset_spec
from .registry import LAYER_TYPES, SpecError
from .residual import Residual
from .shapes import ShapeError, output_size

__all__ = [
    "AvgPool2D", "BatchNorm1D", "BatchNorm2D", "Conv2D", "Dense", "Dropout", "Flatten", "LAYER_TYPES", "Layer",
    "LayerEntry", "LayerOutput", "MaxPool2D", "Network", "PRESETS", "ReLU", "Residual", "ShapeError", "Sigmoid", "SoftmaxCrossEntropy",
    "SpecError", "Tanh", "col2im", "conv2d_fft", "im2col", "output_size", "preset_spec", "softmax",
]
