from .flow_visualization_hook import FlowVisualizationHook
from .load_stage_checkpoint_hook import LoadStageCheckpointHook
from .progressive_freeze_hook import ProgressiveFreezeHook

__all__ = [
    'FlowVisualizationHook', 'LoadStageCheckpointHook', 'ProgressiveFreezeHook'
]
