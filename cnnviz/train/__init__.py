"""Training: the step-at-a-time loop, its history, evaluation. No Qt here."""
from .history import History
from .trainer import (DoneEvent, EpochEvent, StatusEvent, StepEvent, TrainConfig, Trainer, evaluate)

__all__ = ["DoneEvent", "EpochEvent", "History", "StatusEvent", "StepEvent", "TrainConfig", "Trainer", "evaluate"]
