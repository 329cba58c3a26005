"""The synthetic motion benchmark study (the project's main job)."""
from .metrics import pair_accuracy, per_class_accuracy, summarise_predictions

__all__ = ['pair_accuracy', 'per_class_accuracy', 'summarise_predictions']
