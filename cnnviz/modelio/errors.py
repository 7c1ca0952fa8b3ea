"""The one error model files raise, and the internal one checks raise before the path is known."""
from __future__ import annotations


class ModelFileError(ValueError):
    """A model file that cannot be saved or opened; the message names the file and the problem."""

    def __init__(self, path, problem: str, action: str = "open"):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"cannot {action} model {self.path!r}: {problem}")


class Invalid(Exception):
    """A problem found while checking; turned into ModelFileError with the path by the caller."""
