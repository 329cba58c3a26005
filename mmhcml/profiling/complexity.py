"""FLOPs and parameters of a recognizer, with the cost volume counted.

MMEngine's :class:`~mmengine.analysis.FlopAnalyzer` counts one multiply-add
as one FLOP (the convention of the paper's GFLOPs) and skips element-wise
ops, so the cost volume of Eq. 1 would count as zero. It is added here
*analytically*: for reduced features of shape ``(N, C', T, H, W)`` the
correlation costs ``N * T * H * W * M * C'`` multiply-adds and normalising
both maps ``2 * N * T * H * W * C'``.

The fusion ``Z^l = F^l + g^l(P^l)`` is counted as its conv and BatchNorm,
as MMAction2 counts any conv + BN: the analyzer's forward hooks on every
module make :func:`~mmhcml.models.ops.conv_bn_residual` run the modules
instead of the folded product (it folds only hook-free modules), and the two
compute the same function.
"""
from typing import Dict, Sequence

import torch
import torch.nn as nn
from mmengine.analysis import FlopAnalyzer

from ..models.backbones import PrimeMotionBlock

__all__ = ['cost_volume_flops', 'model_complexity']


def cost_volume_flops(block: PrimeMotionBlock, reduced_shape: Sequence[int]) -> int:
    """Multiply-adds of one block's cost volume for reduced features."""
    n, c, t, h, w = (int(v) for v in reduced_shape)  # traced sizes may be tensors
    return n * t * h * w * c * (block.num_costs + 2)


def model_complexity(model: nn.Module,
                     input_shape: Sequence[int] = (1, 1, 3, 16, 224, 224)
                     ) -> Dict[str, int]:
    """Inference FLOPs (multiply-adds) and parameters of a recognizer.

    Runs ``model`` in ``tensor`` mode (backbone, neck and head; never the
    side branch) on zeros of ``input_shape``.

    Returns:
        dict: ``flops`` (total, cost volume included), ``cost_volume_flops``,
        ``params`` (all parameters), ``inference_params`` (without the
        motion heads of the side branch).
    """
    shapes = []
    hooks = [
        m.reduce.register_forward_hook(
            lambda mod, args, out, block=m: shapes.append((block, out.shape)))
        for m in model.modules() if isinstance(m, PrimeMotionBlock)
    ]
    was_training = model.training
    model.eval()
    inputs = torch.zeros(*input_shape)
    try:
        with torch.no_grad():
            analyzer = FlopAnalyzer(model, (inputs, ))
            analyzer.unsupported_ops_warnings(False)
            analyzer.uncalled_modules_warnings(False)
            conv_flops = analyzer.total()
    finally:
        for hook in hooks:
            hook.remove()
        model.train(was_training)
    # the analyzer traces the model once; keep the blocks of that one pass
    seen, cv = set(), 0
    for block, shape in shapes:
        if id(block) not in seen:
            seen.add(id(block))
            cv += cost_volume_flops(block, shape)
    params = sum(p.numel() for p in model.parameters())
    side = sum(p.numel() for p in getattr(model, 'motion_heads', nn.ModuleList()).parameters())
    return dict(
        flops=conv_flops + cv,
        cost_volume_flops=cv,
        params=params,
        inference_params=params - side)
