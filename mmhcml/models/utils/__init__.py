from .modes import eval_mode
from .checkpoint import (checkpoint_segment, running_stats_frozen,
                         wants_checkpoint)

__all__ = ['eval_mode', 'checkpoint_segment', 'running_stats_frozen', 'wants_checkpoint']
