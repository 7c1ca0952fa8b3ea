"""Collect: a data set of one's own, drawn on the canvas, kept as a folder of images per class."""
