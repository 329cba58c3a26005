"""Stop training at the first NaN or Inf loss, naming the term; refuse,
before the first step, labels the classification loss cannot take."""
import math
from typing import Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmaction.registry import HOOKS

__all__ = ['NonFiniteLossHook', 'NonFiniteLossError']


class NonFiniteLossError(FloatingPointError):
    """A loss term became NaN or Inf; the message names it."""


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Raise :class:`NonFiniteLossError` when a logged loss is not finite.

    Every key of the iteration's log variables that contains ``loss``
    (``loss``, ``loss_cls``, ``loss_rec_l1``, ``loss_con_l2``, ...) is
    checked; the error names each non-finite term, its value, the iteration
    and the epoch. The values are the floats MMEngine already moved to the
    CPU for logging, so the check costs no device synchronisation.

    Before training starts, the labels of the training (and validation)
    dataset are checked against the classifier's ``num_classes``
    (``model.cls_head.num_classes``): a label at or above it would end in
    a bare ``IndexError`` ("Target 4 is out of bounds") at a random
    iteration; the error names the list, the line and both numbers. The
    flip label map of the pipeline is checked the same way.

    Note:
        ``priority = 'HIGHEST'``: it must run before the checkpoint hook can
        save weights that a non-finite step has already spoiled.

    Args:
        interval (int): Check every ``interval`` iterations. Defaults to
            ``1``.
    """

    priority = 'HIGHEST'

    def __init__(self, interval: int = 1) -> None:
        if not isinstance(interval, int) or interval < 1:
            raise ValueError(f'interval must be an int >= 1, got {interval!r}')
        self.interval = interval

    def before_train(self, runner) -> None:
        from mmhcml.datasets.video_checks import check_dataset_labels
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        num_classes = getattr(getattr(model, 'cls_head', None),
                              'num_classes', None)
        if not isinstance(num_classes, int):
            return
        loops = [runner.train_loop, getattr(runner, '_val_loop', None)]
        for loop in loops:
            dataset = getattr(getattr(loop, 'dataloader', None), 'dataset',
                              None)
            if dataset is not None:
                check_dataset_labels(dataset, num_classes,
                                     'model.cls_head.num_classes')

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        if not outputs or not self.every_n_train_iters(runner, self.interval):
            return
        bad = {}
        for key, value in outputs.items():
            if 'loss' not in key:
                continue
            number = float(value.item() if hasattr(value, 'item') else value)
            if not math.isfinite(number):
                bad[key] = number
        if bad:
            terms = ', '.join(f'{k}={v}' for k, v in bad.items())
            raise NonFiniteLossError(
                f'non-finite loss at iteration {runner.iter + 1} (epoch '
                f'{runner.epoch + 1}): {terms}. Lower the learning rate or '
                'that term\'s loss_weight, or check the inputs of the batch.')
