"""Drawing of model outputs (flow colours, image grids) for the training
hooks and the analysis tools; depends on nothing else in mmhcml."""
from .flow_colors import (WHEEL_SEGMENTS, flow_grid, flow_to_color,
                          flow_video_frames, make_color_wheel)

__all__ = [
    'WHEEL_SEGMENTS', 'flow_grid', 'flow_to_color', 'flow_video_frames',
    'make_color_wheel'
]
