"""Log the flow heads' optical flow during training (paper Fig. 3).

Every ``interval`` training iterations the flow reconstruction heads
(section 3.2) run on the first video of the current batch and the grid
``[frame i | frame j | flow colour]`` of each level goes to the runner's
visualizer, i.e. to TensorBoard when ``TensorboardVisBackend`` is configured::

    custom_hooks = [dict(type='FlowVisualizationHook', interval=100)]
    visualizer = dict(
        type='ActionVisualizer',
        vis_backends=[dict(type='LocalVisBackend'),
                      dict(type='TensorboardVisBackend')])
"""
from typing import Optional, Sequence

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmaction.registry import HOOKS
from ...models.recognizers.flow_prediction import (check_flow_levels,
                                                   flow_heads_by_level)
from ...models.utils import eval_mode
from ...visualization import flow_grid

__all__ = ['FlowVisualizationHook']


@HOOKS.register_module()
class FlowVisualizationHook(Hook):
    """Show the flow predicted at each level as an image every N iterations.

    ::

        data_batch -> data_preprocessor -> clip of video 0 (1, 3, T, H, W)
          -> flow heads (eval mode, no grad) -> flow_l{l} grid (uint8 RGB)
          -> runner.visualizer.add_image('flow_l{l}', grid, step=runner.iter)

    The model is switched to eval mode for the extra forward pass (so BN
    statistics are not updated) and every submodule's mode is restored
    afterwards. A model without a flow head makes the hook a no-op (logged
    once).

    Note:
        ``priority`` is ``'LOW'``: the hook only reads the model, so it runs
        after the hooks that time and log the iteration in
        ``after_train_iter`` (``IterTimerHook`` NORMAL, ``LoggerHook``
        BELOW_NORMAL): a step's scalars are written before its image, and
        the extra forward pass does not inflate the logged ``time`` of the
        train step (it lands in the next iteration's ``data_time``).

    Args:
        interval (int): Log every ``interval`` training iterations.
            Defaults to ``100``.
        levels (Sequence[int], optional): Levels to show; defaults to every
            level with a flow head.
        max_flow (float, optional): Magnitude shown fully saturated;
            defaults to the largest magnitude of each level.
        name_prefix (str): Image names are ``{name_prefix}_l{level}``.
            Defaults to ``'flow'``.
    """

    priority = 'LOW'

    def __init__(self,
                 interval: int = 100,
                 levels: Optional[Sequence[int]] = None,
                 max_flow: Optional[float] = None,
                 name_prefix: str = 'flow') -> None:
        if not isinstance(interval, int) or isinstance(interval,
                                                       bool) or interval < 1:
            raise ValueError(f'interval must be an int >= 1, got {interval!r}')
        if max_flow is not None and not max_flow > 0:
            raise ValueError(f'max_flow must be > 0, got {max_flow!r}')
        self.interval = interval
        self.levels = None if levels is None else tuple(levels)
        self.max_flow = max_flow
        self.name_prefix = name_prefix
        self._active_levels: Optional[tuple] = None

    @staticmethod
    def _unwrap(runner) -> torch.nn.Module:
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def _resolve_levels(self, runner) -> tuple:
        """The levels to show; ``()`` (logged once) without a flow head."""
        if self._active_levels is None:
            model = self._unwrap(runner)
            if not flow_heads_by_level(model):
                runner.logger.info(
                    'FlowVisualizationHook: the model has no '
                    'FlowReconstructionHead; no flow will be visualised.')
                self._active_levels = ()
            else:
                self._active_levels = check_flow_levels(model, self.levels)
        return self._active_levels

    def before_train(self, runner) -> None:
        """Check the levels once, before the first iteration."""
        self._resolve_levels(runner)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        """Every ``interval`` iterations, log one flow grid per level."""
        levels = self._resolve_levels(runner)
        if not levels or data_batch is None or \
                not self.every_n_train_iters(runner, self.interval):
            return
        model = self._unwrap(runner)
        with torch.no_grad(), eval_mode(model):
            data = model.data_preprocessor(data_batch, False)
            inputs = data['inputs']
            clips = inputs.reshape((-1, ) + inputs.shape[-4:])[:1]
            flows = model.predict_flow(clips, levels)
            frames = model.frames_in_unit_range(clips)[0]
        frames = (frames.permute(1, 2, 3, 0).clamp(0, 1) * 255).round()
        frames = frames.to(torch.uint8).cpu().numpy()
        for level, level_flow in flows.items():
            grid = flow_grid(frames, level_flow.flow[0].cpu().numpy(),
                             level_flow.pairs, self.max_flow)
            runner.visualizer.add_image(
                f'{self.name_prefix}_l{level}',
                np.ascontiguousarray(grid),
                step=runner.iter)
