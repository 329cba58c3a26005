"""InfoNCE over cosine similarity, Eq. 4 (paper section 3.2, appendix C.3)."""
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmaction.registry import MODELS

__all__ = ['info_nce', 'InfoNCELoss']


def info_nce(predictions: Tensor,
             targets: Tensor,
             positives: Tensor,
             temperature: float = 0.1,
             eps: float = 1e-8) -> Tuple[Tensor, Tensor]:
    """Contrastive loss of each prediction against every target (Eq. 4).

    ``-log( exp(sim(p_i, g_pos(i)) / tau) / sum_j exp(sim(p_i, g_j) / tau) )``
    averaged over predictions, with cosine ``sim``. Computed in float32.

    Args:
        predictions (Tensor): ``(P, C)`` predicted features.
        targets (Tensor): ``(G, C)`` ground-truth features: the positive and
            all negatives of every prediction.
        positives (Tensor): ``(P,)`` long, the row of ``targets`` that is
            each prediction's positive.
        temperature (float): ``tau``. Defaults to ``0.1``.
        eps (float): Lower bound of the vector norms. Defaults to ``1e-8``.

    Returns:
        tuple[Tensor, Tensor]: the scalar loss and the ``(P, G)`` logits.
    """
    if temperature <= 0:
        raise ValueError(f'temperature must be > 0, got {temperature!r}')
    if predictions.dim() != 2 or targets.dim() != 2 or \
            predictions.shape[1] != targets.shape[1] or \
            positives.shape != predictions.shape[:1]:
        raise ValueError('info_nce expects predictions (P, C), targets (G, C) '
                         f'and positives (P,), got {tuple(predictions.shape)}'
                         f', {tuple(targets.shape)}, {tuple(positives.shape)}')
    # Autocast would run the matmul in half precision: keep it in float32.
    with torch.autocast(device_type=predictions.device.type, enabled=False):
        pred = F.normalize(predictions.float(), dim=1, eps=eps)
        gt = F.normalize(targets.float(), dim=1, eps=eps)
        logits = pred @ gt.t() / temperature
        return F.cross_entropy(logits, positives), logits


@MODELS.register_module()
class InfoNCELoss(nn.Module):
    """Eq. 4 as a module: :func:`info_nce` with its temperature ``tau``.

    The weight ``gamma^l`` of Eq. 5 is the contrastive head's
    ``loss_weight``.

    Args:
        temperature (float): ``tau`` (a project choice; the BMVC text gives
            none). Defaults to ``0.1``.
        eps (float): Lower bound of the vector norms of the cosine
            similarity. Defaults to ``1e-8``.

    Shape:
        - predictions ``(P, C)``, targets ``(G, C)``, positives ``(P,)``
        - output: the scalar loss and the ``(P, G)`` logits
    """

    def __init__(self, temperature: float = 0.1, eps: float = 1e-8) -> None:
        super().__init__()
        if not (isinstance(temperature, (int, float)) and temperature > 0):
            raise ValueError(
                f'temperature must be a number > 0, got {temperature!r}')
        if not (isinstance(eps, (int, float)) and eps > 0):
            raise ValueError(f'eps must be a number > 0, got {eps!r}')
        self.temperature = float(temperature)
        self.eps = float(eps)

    def forward(self, predictions: Tensor, targets: Tensor,
                positives: Tensor) -> Tuple[Tensor, Tensor]:
        return info_nce(predictions, targets, positives, self.temperature,
                        self.eps)
