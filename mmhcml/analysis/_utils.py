"""Kept for the modules that still import ``eval_mode`` from here; it lives
in :mod:`mmhcml.models.utils`, the loading and clip helpers in
:mod:`mmhcml.apis`."""
from ..models.utils import eval_mode

__all__ = ['eval_mode']
