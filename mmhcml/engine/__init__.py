from .hooks import *  # noqa: F401,F403
from .hooks.clip_visualization_hook import ClipVisualizationHook  # noqa: F401
