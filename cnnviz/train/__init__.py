"""Training: the step-at-a-time loop, its history, evaluation. No Qt here."""
from .guard import Divergence, DivergenceGuard, GuardSettings
from .history import History
from .trainer import (DoneEvent, EpochEvent, StatusEvent, StepEvent, TrainConfig, Trainer, evaluate)

__all__ = ["Divergence", "DivergenceGuard", "DoneEvent", "EpochEvent", "GuardSettings", "History", "StatusEvent",
           "StepEvent", "TrainConfig", "Trainer", "evaluate"]
