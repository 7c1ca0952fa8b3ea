"""Benchmarks of the window, screenshots and synthetic strokes: used by the command line only."""
