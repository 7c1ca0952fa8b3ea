"""Live training in the app: the worker thread, its panel, curves and time-lapse."""
