"""InfoNCE over cosine similarity, Eq. 4 (paper section 3.2, appendix C.3)."""
from typing import Optional, Tuple

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

    ``temporal_weight > 0`` adds a second InfoNCE over each prediction's
    *track* only (its positive and its ``T - 1`` temporal negatives, given
    as ``tracks``): ``L = L_Eq.4 + temporal_weight * L_track``. Eq. 4
    already contains these negatives, but among ``B N T`` candidates; the
    extra term is a departure from the paper that makes telling the future
    from the present carry weight of its own. ``0`` is Eq. 4 as written.

    Args:
        temperature (float): ``tau`` (a project choice; the BMVC text gives
            none). Defaults to ``0.1``.
        eps (float): Lower bound of the vector norms of the cosine
            similarity. Defaults to ``1e-8``.
        temporal_weight (float): Weight of the track-only term. Defaults to
            ``0.0``.

    Shape:
        - predictions ``(P, C)``, targets ``(G, C)``, positives ``(P,)``,
          tracks ``(P, T)`` rows of ``targets`` (positive among them)
        - output: the scalar loss and the ``(P, G)`` logits
    """

    def __init__(self, temperature: float = 0.1, eps: float = 1e-8,
                 temporal_weight: float = 0.0) -> None:
        super().__init__()
        if not (isinstance(temperature, (int, float)) and temperature > 0):
            raise ValueError(
                f'temperature must be a number > 0, got {temperature!r}')
        if not (isinstance(eps, (int, float)) and eps > 0):
            raise ValueError(f'eps must be a number > 0, got {eps!r}')
        if not (isinstance(temporal_weight, (int, float))
                and temporal_weight >= 0):
            raise ValueError('temporal_weight must be a number >= 0, got '
                             f'{temporal_weight!r}')
        self.temperature = float(temperature)
        self.eps = float(eps)
        self.temporal_weight = float(temporal_weight)

    def forward(self, predictions: Tensor, targets: Tensor, positives: Tensor,
                tracks: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
        loss, logits = info_nce(predictions, targets, positives,
                                self.temperature, self.eps)
        if self.temporal_weight == 0:
            return loss, logits
        if tracks is None or tracks.dim() != 2 or \
                tracks.shape[0] != positives.shape[0]:
            raise ValueError('InfoNCELoss(temporal_weight > 0) needs tracks '
                             '(P, T): the target rows of each prediction\'s '
                             'video and position')
        inside = tracks == positives[:, None]
        if not bool(inside.any(dim=1).all()):
            raise ValueError('every positive must be one of its track rows')
        with torch.autocast(device_type=logits.device.type, enabled=False):
            track_loss = F.cross_entropy(logits.gather(1, tracks),
                                         inside.float().argmax(dim=1))
        return loss + self.temporal_weight * track_loss, logits
