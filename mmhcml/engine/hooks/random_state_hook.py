"""Save and restore the random number generators with each checkpoint.

MMEngine seeds the generators once, when the runner starts. A resumed run
therefore draws different random numbers than the run it continues (data
loader worker seeds, the contrastive head's sampled positions, dropout), and
its losses drift apart. Storing the generator states in the checkpoint makes
``--resume`` continue bit-identically on deterministic settings.
"""
import random

import numpy as np
import torch
from mmengine.hooks import Hook

from mmaction.registry import HOOKS

__all__ = ['RandomStateHook']


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Keep Python, numpy and torch (CPU and CUDA) generator states.

    The states go to ``checkpoint['random_state']`` in
    ``before_save_checkpoint``; a loaded checkpoint's states are restored in
    ``before_train``, because :meth:`Runner.resume` may re-seed the
    generators after ``after_load_checkpoint`` (when the seed differs).
    The generators are per process; on several GPUs each rank restores the
    state rank 0 saved, which keeps runs reproducible but not bit-identical
    to the interrupted one.

    Note:
        ``priority = 'VERY_LOW'``: states are taken after every other hook
        has done its work for the epoch, right before saving.
    """

    priority = 'VERY_LOW'

    def __init__(self) -> None:
        self._pending = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        state = dict(
            python=random.getstate(),
            numpy=np.random.get_state(),
            torch=torch.get_rng_state())
        if torch.cuda.is_available():
            state['cuda'] = torch.cuda.get_rng_state_all()
        checkpoint['random_state'] = state

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._pending = checkpoint.get('random_state')
        if self._pending is None:
            runner.logger.info('RandomStateHook: the checkpoint holds no '
                               'random state; generators are not restored')

    def before_train(self, runner) -> None:
        state, self._pending = self._pending, None
        if state is None or not getattr(runner, '_resume', False):
            return  # only a resumed run continues the generators
        random.setstate(state['python'])
        np.random.set_state(state['numpy'])
        torch.set_rng_state(state['torch'])
        if 'cuda' in state and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state['cuda'])
        runner.logger.info('RandomStateHook: random generators restored '
                           'from the checkpoint')
