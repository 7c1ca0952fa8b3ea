"""cnnviz: watch a convolutional network written in plain numpy take an image apart."""
import os

# OpenBLAS's idle threads spin for ~0.1 s after each product by default, taking a
# core from the element-wise work that follows (and from the app's UI thread).
# This only takes effect when cnnviz is imported before numpy (as main.py does).
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")

__version__ = "0.1.0"
