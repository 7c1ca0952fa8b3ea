"""cnnviz: watch a convolutional network written in plain numpy take an image apart."""
__version__ = "0.1.0"
