"""Contrastive motion head: hierarchical motion learning (section 3.2, Eq. 4).

Motion features ``P^l`` at level ``l`` predict the future motion features of
level ``l - 1``: ``P^_t+delta^(l-1) = f_delta([P^l_t, P^(l-1)_t])`` for
``delta = 1..K``, with ``f_delta(x) = W2_delta ReLU(W1 x)`` and ``W1`` shared
across steps. ``P^(l-1)`` is average-pooled to ``P^l``'s ``(T, H, W)`` grid.
The loss is InfoNCE over cosine similarity with temperature ``tau``: the only
positive of a prediction is the target of the same video, position and time;
every other sampled target is a negative, so spatial, temporal and easy
negatives (appendix C.3) all appear.
"""
from typing import Dict, NamedTuple, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import print_log
from torch import Tensor

from mmaction.registry import MODELS
from mmaction.utils import ConfigType, OptConfigType
from .base_motion_head import BaseMotionHead
from .prediction_metrics import future_prediction_metrics

__all__ = ['ContrastiveMotionHead', 'ContrastiveScores', 'prediction_rows',
           'track_accuracies', 'CONTEXTS']

#: What the predictor is conditioned on besides ``P^l_t`` (see the class).
CONTEXTS = ('target', 'none')
#: How the ``N`` positions per video are drawn (see ``location_sampling``)
SAMPLINGS = ('uniform', 'motion')


class ContrastiveScores(NamedTuple):
    """One scoring of Eq. 4 (:meth:`ContrastiveMotionHead.score`).

    Attributes:
        loss (Tensor): scalar, unweighted.
        logits (Tensor): ``(P, G)`` predictions against sampled targets.
        targets (Tensor): ``(G, C)`` sampled targets, rows
            ``(b * L + loc) * T + time``.
        positives (Tensor): ``(P,)`` row of each prediction's positive.
        starts (Tensor): ``(P,)`` first row of each prediction's track.
        deltas (Tensor): ``(P,)`` step ``delta`` of each prediction.
        steps (int): ``T`` of the level.
    """
    loss: Tensor
    logits: Tensor
    targets: Tensor
    positives: Tensor
    starts: Tensor
    deltas: Tensor
    steps: int


def prediction_rows(batch: int, num_locations: int, steps: int,
                    num_deltas: int, device=None) -> Tuple[Tensor, Tensor]:
    """Target rows of the positive, and of the first time step of its track.

    Targets are laid out as rows ``(b * L + loc) * T + time``; predictions
    as ``delta`` blocks, each ``(b, loc, time < T - delta)`` in row-major
    order, predicting the target at ``time + delta``. The targets of the same
    video and position (one "track") are rows ``start .. start + T - 1``: the
    positive and the ``T - 1`` temporal negatives.

    Returns:
        tuple[Tensor, Tensor]: ``positives`` and ``starts``, each ``(P,)``.
    """
    rows = torch.arange(
        batch * num_locations * steps, device=device).view(
            batch, num_locations, steps)
    positives, starts = [], []
    for delta in range(1, num_deltas + 1):
        positives.append(rows[:, :, delta:].reshape(-1))
        starts.append(rows[:, :, :1].expand(-1, -1, steps - delta).reshape(-1))
    return torch.cat(positives), torch.cat(starts)


@torch.no_grad()
def track_accuracies(scores: ContrastiveScores) -> Tuple[Tensor, Tensor]:
    """``(con_acc, con_temporal_acc)`` of one scoring: how often the
    positive ranks first among all targets, and among its own track's
    ``T`` targets (the temporal negatives only). Scalars."""
    logits, positives, starts = scores.logits, scores.positives, scores.starts
    acc = (logits.argmax(dim=1) == positives).float().mean()
    track = starts[:, None] + torch.arange(scores.steps,
                                           device=logits.device)
    temporal = logits.gather(1, track).argmax(dim=1)
    return acc, (starts + temporal == positives).float().mean()


@MODELS.register_module()
class ContrastiveMotionHead(BaseMotionHead):
    """Predicts lower-level future motion from higher-level motion.

    ::

        P^l (N, C_l, T, H, W) ------------------------+
        P^(l-1) --avg pool to (T, H, W)--> G (N, C_t, T, H, W), detached
                                                     cat -> W1 (1x1x1) -> ReLU
                       -> W2_delta (1x1x1), delta = 1..K -> prediction of G_t+delta
        sample N_loc positions per video; InfoNCE(predictions, all sampled G)

    Args:
        in_channels (int): ``C_l`` of ``P^level``. Filled in by
            :class:`HCMLRecognizer` when omitted.
        target_channels (int): ``C_t`` of ``P^(level-1)``. Filled in by
            :class:`HCMLRecognizer` when omitted.
        level (int): The level whose motion features predict.
            Defaults to ``2``.
        num_steps (int): ``K``, the prediction steps. Defaults to ``2``.
        num_locations (int): ``N``, spatial positions sampled per video (the
            same for all times). Defaults to ``8``.
        hidden_channels (int, optional): Width of ``W1``. Defaults to
            ``None``, meaning ``C_l + C_t``.
        loss (dict): The InfoNCE loss of Eq. 4, a registered loss module
            (its ``temperature`` is ``tau``). Defaults to
            ``dict(type='InfoNCELoss', temperature=0.1)``.
        loss_weight (float): ``gamma^l`` of Eq. 5. Defaults to ``0.25``.
        distinct_threshold (float): Cosine distance above which a future
            target counts as distinct from its track's other times, for the
            future-vs-present metrics (:mod:`.prediction_metrics`); it does
            not change the loss. Defaults to ``0.05``.
        context (str): What ``f_delta`` is conditioned on besides ``P^l_t``:
            ``'target'``, the pooled ``P^(level-1)_t`` as section 3.2
            writes it (which is the present *target* itself, so copying it
            is a cheap way to beat the easy and spatial negatives), or
            ``'none'``, ``P^l_t`` alone (a departure, measured in the
            README's hierarchy section). Defaults to ``'target'``.
        shuffle_time (bool): A control, not the method: permute the
            targets ``G`` along time (one random permutation per call,
            shared by the batch) before predicting and scoring, so that
            "the future of ``t``" is an arbitrary time. The easy and spatial
            negatives stay; what the level can learn about temporal order
            goes. The synthetic study's time-shuffled arm uses it.
            Defaults to ``False``.
        location_sampling (str): How the ``num_locations`` positions of
            each video are drawn, without replacement: ``'uniform'``, as
            section 3.2 samples them, or ``'motion'`` (a departure), with
            probability proportional to how much the target track changes
            over time, ``mean_t (1 - cos(G_t, G_t+1)) + 1e-6``, so that
            footage whose positions mostly stand still still yields rows
            whose future differs from the present. Defaults to
            ``'uniform'``.
        init_cfg (dict, optional): Initialisation config. Defaults to
            ``None``.
    """

    key_prefix = 'con'
    default_level = 2
    min_level = 2

    @classmethod
    def input_levels(cls, level: int) -> Tuple[int, ...]:
        """The levels the head at ``level`` reads: ``P^level`` predicts
        ``P^(level-1)``."""
        return (level - 1, level)

    @classmethod
    def fill_channels(cls, cfg: dict, backbone) -> dict:
        """``cfg`` with ``in_channels`` and ``target_channels`` taken from
        ``backbone`` (an :class:`HCMLBackbone`) where omitted."""
        level = cfg['level']
        cfg.setdefault('in_channels', backbone.motion_channels(level))
        cfg.setdefault('target_channels', backbone.motion_channels(level - 1))
        return cfg

    def __init__(self,
                 in_channels: int,
                 target_channels: int,
                 level: int = 2,
                 num_steps: int = 2,
                 num_locations: int = 8,
                 hidden_channels: Optional[int] = None,
                 loss: ConfigType = dict(type='InfoNCELoss', temperature=0.1),
                 loss_weight: float = 0.25,
                 distinct_threshold: float = 0.05,
                 context: str = 'target',
                 shuffle_time: bool = False,
                 location_sampling: str = 'uniform',
                 init_cfg: OptConfigType = None) -> None:
        super().__init__(level, loss, loss_weight, init_cfg=init_cfg)
        if context not in CONTEXTS:
            raise ValueError(f'context must be one of {CONTEXTS}, got '
                             f'{context!r}')
        self.context = context
        if not isinstance(shuffle_time, bool):
            raise ValueError('shuffle_time must be a bool, got '
                             f'{shuffle_time!r}')
        self.shuffle_time = shuffle_time
        if location_sampling not in SAMPLINGS:
            raise ValueError(f'location_sampling must be one of {SAMPLINGS}, '
                             f'got {location_sampling!r}')
        self.location_sampling = location_sampling
        if not (isinstance(distinct_threshold, (int, float))
                and 0 <= distinct_threshold < 2):
            raise ValueError('distinct_threshold is a cosine distance in '
                             f'[0, 2), got {distinct_threshold!r}')
        self.distinct_threshold = float(distinct_threshold)
        for name, value in (('num_steps', num_steps), ('num_locations',
                                                      num_locations)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'{name} must be an int >= 1, got {value!r}')
        self.in_channels = in_channels
        self.target_channels = target_channels
        self.num_steps = num_steps
        self.num_locations = num_locations
        width = in_channels + (target_channels if context == 'target' else 0)
        hidden = hidden_channels or in_channels + target_channels
        self.shared = nn.Sequential(
            nn.Conv3d(width, hidden, 1),
            nn.ReLU(inplace=True))
        self.steps = nn.ModuleList(
            nn.Conv3d(hidden, target_channels, 1) for _ in range(num_steps))
        self._warned_short = False

    def forward(self, motion: Tensor,
                context: Optional[Tensor] = None) -> Dict[int, Tensor]:
        """Predictions ``{delta: f_delta([P^l, context])}`` (``context``
        ``None``: ``f_delta(P^l)``, for ``context='none'``).

        Shape:
            - motion: ``(N, C_l, T, H, W)``; context: ``(N, C_t, T, H, W)``
            - each output: ``(N, C_t, T, H, W)``; entry ``t`` predicts the
              target at ``t + delta`` (valid for ``t < T - delta``).
        """
        if (context is None) != (self.context == 'none'):
            raise ValueError(f"ContrastiveMotionHead(context={self.context!r})"
                             f' got context={"None" if context is None else "a tensor"}')
        hidden = self.shared(
            motion if context is None else torch.cat([motion, context], dim=1))
        return {d + 1: step(hidden) for d, step in enumerate(self.steps)}

    def _sample_locations(self, targets: Tensor) -> Tensor:
        """``(N, num_locations)`` flat positions per video, drawn as
        ``location_sampling`` says.

        Shape:
            - targets: ``(N, C_t, T, H, W)``, the pooled targets ``G``
        """
        batch, _, t, h, w = targets.shape
        area = h * w
        if self.num_locations > area:
            raise ValueError(
                f'ContrastiveMotionHead(level={self.level}): num_locations='
                f'{self.num_locations} exceeds the H*W={area} positions of '
                'its level; lower num_locations or use larger inputs')
        if self.location_sampling == 'uniform':
            return torch.rand(batch, area, device=targets.device).argsort(
                dim=1)[:, :self.num_locations]
        with torch.no_grad():
            g = F.normalize(targets.float().flatten(3), dim=1, eps=1e-6)
            change = (1 - (g[:, :, 1:] * g[:, :, :-1]).sum(1)).mean(1)
            weights = change.clamp(min=0) + 1e-6  # (N, H*W)
        return torch.multinomial(weights, self.num_locations,
                                 replacement=False)

    def score(self, feats: Sequence[Tensor]) -> ContrastiveScores:
        """Predict, sample locations and score Eq. 4 (see :meth:`loss`).

        Args:
            feats (Sequence[Tensor]): ``(P^(level-1), P^level)``.

        Returns:
            ContrastiveScores: the unweighted loss, the ``(P, G)`` logits,
            the ``(G, C)`` sampled targets and the row layout.
        """
        lower, upper = self.take_inputs(feats)
        n, _, t, h, w = upper.shape
        if t < 2:
            raise ValueError(
                f'ContrastiveMotionHead(level={self.level}) needs at least 2 '
                f'time steps at its level, got features of shape '
                f'{tuple(upper.shape)}; use longer clips')
        steps = min(self.num_steps, t - 1)
        if steps < self.num_steps and not self._warned_short:
            print_log(
                f'ContrastiveMotionHead(level={self.level}): only {t} time '
                f'steps, so only {steps} of num_steps={self.num_steps} '
                'prediction steps are used', logger='current', level=30)
            self._warned_short = True
        targets = F.adaptive_avg_pool3d(lower, (t, h, w)).detach()
        if self.shuffle_time:
            targets = targets[:, :, torch.randperm(t, device=targets.device)]
        context = targets if self.context == 'target' else None
        predictions = self(upper, context)
        locs = self._sample_locations(targets)  # (n, L)
        num_loc = locs.shape[1]

        def gather(x: Tensor) -> Tensor:  # (n, C, t, h, w) -> (n, L, t, C)
            flat = x.flatten(3)
            index = locs[:, None, None, :].expand(-1, flat.shape[1], t, -1)
            return flat.gather(3, index).permute(0, 3, 2, 1)

        gt = gather(targets)  # row (b, loc, time) -> (b * L + loc) * t + time
        gt = gt.reshape(-1, gt.shape[-1])
        preds = torch.cat([
            gather(predictions[d])[:, :, :t - d].reshape(-1, gt.shape[-1])
            for d in range(1, steps + 1)
        ])
        positives, starts = prediction_rows(n, num_loc, t, steps,
                                            upper.device)
        deltas = torch.cat([
            torch.full((n * num_loc * (t - d), ), d, device=upper.device)
            for d in range(1, steps + 1)
        ])
        tracks = starts[:, None] + torch.arange(t, device=upper.device)
        loss, logits = self.criterion(preds, gt, positives, tracks=tracks)
        return ContrastiveScores(loss, logits, gt, positives, starts, deltas,
                                 t)

    def loss(self, feats: Sequence[Tensor], frames: Tensor = None) -> dict:
        """InfoNCE of Eq. 4 for this head's level.

        Args:
            feats (Sequence[Tensor]): ``(P^(level-1), P^level)``, the motion
                features of :meth:`input_levels` (as the recognizer hands
                them).
            frames (Tensor, optional): Unused; the heads share one signature.

        Returns:
            dict: ``loss_con_l{level}`` (weighted by ``loss_weight``), and the
            metrics ``con_acc_l{level}`` (positive ranked first among all
            targets) and ``con_temporal_acc_l{level}`` (first among the
            targets of the same video and position, i.e. against temporal
            negatives only), and over the rows whose future target is
            distinct from the other times (:mod:`.prediction_metrics`)
            ``con_future_acc_l{level}``, ``con_copy_rate_l{level}`` and
            ``con_future_beats_present_l{level}`` (left out of a batch in
            which no row is).
        """
        scores = self.score(feats)
        acc, temporal_acc = track_accuracies(scores)
        with torch.no_grad():
            future = future_prediction_metrics(
                scores.logits, scores.targets, scores.positives,
                scores.starts, scores.deltas, scores.steps,
                self.distinct_threshold)
        out = {
            f'loss_con_l{self.level}': self.loss_weight * scores.loss,
            f'con_acc_l{self.level}': acc,
            f'con_temporal_acc_l{self.level}': temporal_acc,
        }
        if future['distinct_rows'] > 0:
            for key in ('future_acc', 'copy_rate', 'future_beats_present'):
                out[f'con_{key}_l{self.level}'] = future[key]
        return out
