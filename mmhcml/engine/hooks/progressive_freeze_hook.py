"""Progressive training: freeze everything up to level l-1 (section 3.2).

"After the convergence of training at level l-1, we freeze all network
parameters up to level l-1 (therefore fixing the motion features P^(l-1)),
and then start the training for level l."
"""
from typing import List, Optional

import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch.nn.modules.batchnorm import _BatchNorm

from mmaction.registry import HOOKS
from ..schedule import get_stage

__all__ = ['ProgressiveFreezeHook', 'frozen_modules', 'freeze_up_to']


def frozen_modules(model: nn.Module, frozen_levels: int) -> List[nn.Module]:
    """Modules of an :class:`HCMLRecognizer` up to level ``frozen_levels``.

    The stem, the residual stages and motion blocks of levels
    ``1 .. frozen_levels``, and any motion head reading only those levels.
    """
    backbone = model.backbone
    if not hasattr(backbone, 'modules_up_to'):
        raise TypeError('ProgressiveFreezeHook needs an HCMLBackbone, got '
                        f'{type(backbone).__name__}')
    if not 0 <= frozen_levels <= backbone.num_levels:
        raise ValueError(f'frozen_levels must be in 0..{backbone.num_levels}, '
                         f'got {frozen_levels!r}')
    if frozen_levels == 0:
        return []
    parts = backbone.modules_up_to(frozen_levels)
    heads = getattr(model, 'motion_heads', {})
    parts += [h for h in heads.values() if h.level <= frozen_levels]
    return parts


def freeze_up_to(model: nn.Module, frozen_levels: int) -> tuple:
    """Freeze :func:`frozen_modules` of ``model``: parameters get
    ``requires_grad=False`` and BN layers go to eval mode.

    Returns:
        tuple: ``({id: parameter}, [BN layers])`` of what was frozen.
    """
    parts = frozen_modules(model, frozen_levels)
    params = {id(p): p for part in parts for p in part.parameters()}
    for param in params.values():
        param.requires_grad_(False)
    norms = [
        m for part in parts for m in part.modules()
        if isinstance(m, _BatchNorm)
    ]
    for norm in norms:
        norm.eval()
    return params, norms


@HOOKS.register_module()
class ProgressiveFreezeHook(Hook):
    """Freeze parameters *and* BN statistics up to a level for a whole run.

    Parameters get ``requires_grad=False`` and are removed from the
    optimizer's parameter groups, so no momentum, weight decay or other
    optimizer state can move them. BatchNorm layers are put in eval mode and
    kept there: MMEngine's loops call ``model.train()`` at every epoch (and
    after validation), so eval mode is restored before every iteration.

    Note:
        ``priority = 'VERY_HIGH'``: the freeze must happen in ``before_run``,
        before :meth:`Runner.load_or_resume` restores an optimizer state
        (whose parameter groups then match) and before any other hook runs
        an iteration. Under DDP the model is wrapped before hooks exist, so
        stage configs set ``find_unused_parameters=True``: DDP then skips
        the frozen parameters (and the deeper stages a self-supervised stage
        never runs) instead of waiting for their gradients.

    Args:
        frozen_levels (int, optional): Freeze levels ``1 .. frozen_levels``
            (stage ``l`` of the schedule uses ``l - 1``); ``0`` freezes
            nothing. Defaults to ``None``: taken from ``stage``.
        stage (str, optional): A stage of :data:`mmhcml.engine.schedule.STAGES`
            (e.g. ``'stage2'``), whose ``frozen_levels`` is used. Give
            ``frozen_levels`` or ``stage``, not both. Defaults to ``None``.
    """

    priority = 'VERY_HIGH'

    def __init__(self,
                 frozen_levels: Optional[int] = None,
                 stage: Optional[str] = None) -> None:
        if (frozen_levels is None) == (stage is None):
            raise ValueError('give ProgressiveFreezeHook frozen_levels or '
                             f'stage, got frozen_levels={frozen_levels!r}, '
                             f'stage={stage!r}')
        if stage is not None:
            frozen_levels = get_stage(stage).frozen_levels
        if not isinstance(frozen_levels, int) or isinstance(
                frozen_levels, bool) or frozen_levels < 0:
            raise ValueError('frozen_levels must be an int >= 0, got '
                             f'{frozen_levels!r}')
        self.frozen_levels = frozen_levels
        self._norms: List[nn.Module] = []

    @staticmethod
    def _unwrap(model: nn.Module) -> nn.Module:
        return model.module if is_model_wrapper(model) else model

    def before_run(self, runner) -> None:
        model = self._unwrap(runner.model)
        params, self._norms = freeze_up_to(model, self.frozen_levels)
        removed = self._drop_from_optimizer(runner, set(params))
        self._set_norms_eval()
        trainable = sum(p.numel() for p in model.parameters()
                        if p.requires_grad)
        runner.logger.info(
            f'ProgressiveFreezeHook: froze levels 1..{self.frozen_levels}: '
            f'{len(params)} parameter tensors '
            f'({sum(p.numel() for p in params.values()):,} values, '
            f'{removed} removed from the optimizer) and {len(self._norms)} '
            f'BN layers (statistics fixed); {trainable:,} trainable values '
            'remain')

    @staticmethod
    def _drop_from_optimizer(runner, frozen_ids: set) -> int:
        wrapper = getattr(runner, 'optim_wrapper', None)
        if wrapper is None or isinstance(wrapper, dict):
            return 0
        wrappers = wrapper.values() if hasattr(wrapper, 'values') else [
            wrapper
        ]
        removed = 0
        for item in wrappers:
            for group in item.optimizer.param_groups:
                kept = [p for p in group['params'] if id(p) not in frozen_ids]
                removed += len(group['params']) - len(kept)
                group['params'] = kept
        return removed

    def _set_norms_eval(self) -> None:
        for norm in self._norms:
            norm.eval()

    def before_train_epoch(self, runner) -> None:
        self._set_norms_eval()

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch: Optional[dict] = None) -> None:
        self._set_norms_eval()
