from .checkpoint_match_hook import CheckpointMatchHook, ForeignCheckpointError
from .divergence_guard_hook import DivergedLossError, DivergenceGuardHook
from .flow_visualization_hook import FlowVisualizationHook
from .load_stage_checkpoint_hook import LoadStageCheckpointHook
from .non_finite_loss_hook import NonFiniteLossError, NonFiniteLossHook
from .progressive_freeze_hook import ProgressiveFreezeHook
from .random_state_hook import RandomStateHook
from .safe_checkpoint_hook import SafeCheckpointHook

__all__ = [
    'CheckpointMatchHook', 'ForeignCheckpointError', 'DivergedLossError',
    'DivergenceGuardHook', 'SafeCheckpointHook', 'FlowVisualizationHook',
    'LoadStageCheckpointHook', 'NonFiniteLossError', 'NonFiniteLossHook',
    'ProgressiveFreezeHook', 'RandomStateHook'
]
