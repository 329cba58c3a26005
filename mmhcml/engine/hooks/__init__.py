from .flow_visualization_hook import FlowVisualizationHook
from .load_stage_checkpoint_hook import LoadStageCheckpointHook
from .non_finite_loss_hook import NonFiniteLossError, NonFiniteLossHook
from .progressive_freeze_hook import ProgressiveFreezeHook
from .random_state_hook import RandomStateHook

__all__ = [
    'FlowVisualizationHook', 'LoadStageCheckpointHook', 'NonFiniteLossError',
    'NonFiniteLossHook', 'ProgressiveFreezeHook', 'RandomStateHook'
]
