from .checkpoint import (checkpoint_segment, running_stats_frozen,
                         wants_checkpoint)

__all__ = ['checkpoint_segment', 'running_stats_frozen', 'wants_checkpoint']
