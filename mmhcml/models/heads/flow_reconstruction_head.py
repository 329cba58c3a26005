"""Flow reconstruction head: preliminary motion cues (section 3.2, Eq. 2-3).

A PWC-Net style estimator (5 densely connected 3x3 convs) predicts optical
flow from the motion features ``P^l`` of each frame pair; the flow, upsampled
to frame size with its values scaled, warps frame ``t + 1`` back to frame
``t``; the loss is ``L_rec = L_photometric + zeta * L_smoothness``. The last
pair ``(F_T-1, F_T-1)`` carries no motion and is excluded.

The paper upsamples the flow bilinearly (``upsample='bilinear'``). The
switch ``upsample='convex'`` upsamples it as RAFT does (Teed and Deng,
ECCV 2020): every frame pixel is a convex combination of the 3x3 coarse
flow vectors around its cell, with weights predicted from the estimator's
features (:func:`convex_upsample_flow`), so that a flow edge need not be
spread over a whole coarse cell. ``upsample='guided'`` upsamples bilinearly
and adds a residual that a small full-resolution network predicts from the
frames (``I_t``, ``I_t+1`` warped by the upsampled flow, their difference),
as PWC-Net's finer pyramid levels and its context network refine a coarse
estimate: it sees the sub-pixel brightness changes that the features at
1/4 of the frame size do not resolve.
"""
from typing import List, NamedTuple, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmaction.registry import MODELS
from mmaction.utils import ConfigType, OptConfigType
from ..ops import backward_warp, upsample_flow
from ..utils import wants_checkpoint
from ._level_utils import frames_at_level
from .base_motion_head import BaseMotionHead

__all__ = [
    'FlowReconstructionHead', 'conv_rebuilding_input', 'convex_upsample_flow',
    'UPSAMPLE_MODES'
]

#: Ways :meth:`FlowReconstructionHead.pair_flow` brings the flow to frame
#: size: ``'bilinear'`` (the paper), ``'convex'`` (RAFT's learned convex
#: combination, :func:`convex_upsample_flow`) or ``'guided'`` (bilinear plus
#: a residual from the frames at full resolution).
UPSAMPLE_MODES = ('bilinear', 'convex', 'guided')


def _cpu_channels_last(x: Tensor) -> Tensor:
    """``x`` in channels-last layout on CPU, unchanged elsewhere.

    The same convolutions, with the same values to float rounding: oneDNN's
    3x3 kernels with few output channels run faster on channels-last inputs
    (the dense estimator's forward and backward at 15 x 64 x 56 x 56, one
    thread: 0.86x the time; the guided refinement at frame size: 0.4-0.6x;
    docs/benchmark.md). The concatenations of the dense estimator keep the
    layout.
    """
    if x.device.type == 'cpu':
        return x.contiguous(memory_format=torch.channels_last)
    return x


def conv_rebuilding_input(conv: nn.Module, feats: List[Tensor]) -> Tensor:
    """``conv(cat(feats, dim=1))`` without keeping the concatenation.

    A convolution keeps its input for the weight gradient. In a dense block
    (section 3.2's estimator) that input is the concatenation of every
    earlier output, so each layer would keep its own copy of all of them.
    Here the concatenation is replaced, among the tensors autograd saves,
    by a note to rebuild it from ``feats`` (which the block keeps anyway)
    when the backward pass unpacks it: memory-efficient DenseNet (Pleiss
    et al., 2017), with a copy instead of a second forward pass. Under
    autocast the saved input is the cast concatenation; it is rebuilt and
    cast the same way. Values and gradients equal ``conv(cat(feats))``.

    Shape:
        - feats: tensors ``(B, C_i, h, w)``; output ``conv``'s output for
          ``(B, sum C_i, h, w)``
    """
    parts = tuple(feats)  # the caller's list grows after this call
    x = torch.cat(parts, dim=1)
    if tuple(conv.weight.shape) == tuple(x.shape):
        return conv(x)  # the saved input and weight would be ambiguous

    # the hooks must not hold ``x`` itself, or it would live on with them
    shape, dtype, address = x.shape, x.dtype, x.data_ptr()

    def pack(saved: Tensor):
        if saved.shape == shape and (saved.dtype != dtype
                                     or saved.data_ptr() == address):
            return _Rebuild(saved.dtype, saved.is_contiguous(
                memory_format=torch.channels_last))
        return saved

    def unpack(packed):
        if isinstance(packed, _Rebuild):
            rebuilt = torch.cat(parts, dim=1).to(packed.dtype)
            if packed.channels_last:
                rebuilt = rebuilt.contiguous(memory_format=torch.channels_last)
            return rebuilt
        return packed

    with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
        return conv(x)


class _Rebuild(NamedTuple):
    """What :func:`conv_rebuilding_input` keeps of a concatenation."""
    dtype: torch.dtype
    channels_last: bool


def convex_upsample_flow(flow: Tensor, mask: Tensor, factor: int) -> Tensor:
    """RAFT's convex upsampling of a flow field by an integer ``factor``.

    Frame pixel ``(factor * i + a, factor * j + b)`` gets
    ``factor * sum_k softmax_k(mask[k, a, b, i, j]) * flow(i + di_k, j + dj_k)``
    over the 3x3 neighbours ``k = 3 * (di + 1) + (dj + 1)``,
    ``di, dj in {-1, 0, 1}``, of coarse cell ``(i, j)`` (zero flow outside
    the grid). Mask channel ``k * factor^2 + a * factor + b`` holds the
    logit of neighbour ``k`` for sub-pixel ``(a, b)``. Uniform logits give
    ``factor`` times the 3x3 mean of the cell's neighbourhood; a dominant
    centre logit gives nearest-neighbour upsampling.

    Shape:
        - flow: ``(B, 2, h, w)`` in pixels of the ``h x w`` grid
        - mask: ``(B, 9 * factor^2, h, w)`` logits
        - output: ``(B, 2, factor * h, factor * w)`` in frame pixels
    """
    b, _, h, w = flow.shape
    if mask.shape != (b, 9 * factor * factor, h, w):
        raise ValueError(
            f'mask must have shape {(b, 9 * factor * factor, h, w)} for flow '
            f'{tuple(flow.shape)} and factor {factor}, got '
            f'{tuple(mask.shape)}')
    weights = torch.softmax(mask.view(b, 1, 9, factor, factor, h, w), dim=2)
    neighbours = F.unfold(factor * flow, 3, padding=1).view(
        b, 2, 9, 1, 1, h, w)
    up = (weights * neighbours).sum(dim=2)  # (B, 2, f, f, h, w)
    return up.permute(0, 1, 4, 2, 5, 3).reshape(b, 2, factor * h,
                                                 factor * w)


@MODELS.register_module()
class FlowReconstructionHead(BaseMotionHead):
    """Self-supervised optical flow from motion features (side branch).

    ::

        P^l_t (C, h, w) -> conv 3x3 -> c1 --+
          |______________________________ cat -> conv 3x3 -> c2 --+  ... (x5)
                                                      dense outputs -> conv -> flow_t (2, h, w)
        flow_t -> upsample to (H, W), values x (W/w, H/h)
        I_t+1 --backward warp--> I^_t ;  L_rec = rho-photometric(I_t, I^_t) + zeta * smoothness

    Args:
        in_channels (int): Channels ``C_p`` of ``P^level``. Filled in by
            :class:`HCMLRecognizer` from the backbone when omitted.
        level (int): The level whose motion features it reads.
            Defaults to ``1``.
        dense_channels (Sequence[int]): Widths of the 5 dense layers. The
            paper does not give them; PWC-Net's ``(128, 128, 96, 64, 32)``
            would cost 48 GMAC per R2D-50 clip at res2 (1.5x the backbone),
            so the default is narrower. Defaults to ``(32, 32, 24, 16, 8)``.
        loss (dict): The reconstruction loss of Eq. 2-3, a registered loss
            module. Defaults to ``dict(type='ReconstructionLoss')`` (its
            ``smooth_weight`` is ``zeta``, ``alpha`` and ``eps`` the
            Charbonnier's; see
            :class:`~mmhcml.models.losses.ReconstructionLoss`).
        loss_weight (float): ``lambda`` of Eq. 5. Defaults to ``15.0``.
        zero_init_flow (bool): Initialise the last conv (``predict_flow``)
            to zero, so that the flow starts at exactly zero everywhere and
            grows only where the photometric term pushes it, as
            ``zero_init_residual`` does for residual branches. Chosen on
            held-out frames of the real footage: with PyTorch's default initialisation (``False``) the
            untrained flow is noise of about a pixel (median 0.97 px on
            vtest) that stage 1 has to unlearn on still content, and two
            seeds cut vtest's error by -0.4% and -11.0%; with zero init by
            -2.8% and +1.5%, and the mean cut rose from 5.4% to 8.9%.
            Defaults to ``True``.
        upsample (str): How :meth:`pair_flow` brings the flow to frame
            size, one of :data:`UPSAMPLE_MODES`: ``'bilinear'`` (the paper;
            values scaled by the size ratio) or ``'convex'`` (RAFT's convex
            combination of the 3x3 coarse neighbours, weights from the dense
            features through a 3x3 conv (``upsample_channels``, LeakyReLU) and
            a 1x1 conv to ``9 * upsample_factor^2`` logits, the latter
            zero-initialised so that it starts as the 3x3 mean; see
            :func:`convex_upsample_flow`) or ``'guided'`` (bilinear, then
            ``+ refine(cat[flow, I_t, warp(I_t+1, flow), I_t - warp])`` at
            frame size: three 3x3 convs, ``upsample_channels`` wide with
            LeakyReLU, the last to 2 channels and zero-initialised, so that
            it starts as ``'bilinear'``; :meth:`pair_flow` then needs the
            frames). Defaults to ``'bilinear'``.
        upsample_factor (int): Frame size over the level's feature size,
            for ``upsample='convex'`` (4 at level 1 of the R2D backbones);
            :meth:`pair_flow` refuses other sizes. Defaults to ``4``.
        upsample_channels (int): Width of the convex mask's hidden conv, or
            of the guided refinement's convs. Defaults to ``32``.
        with_cp (bool): Trade compute for memory in the dense estimator
            in training: the concatenations its convs read (the head's
            largest activations, ``C_p + 32 + ... + 8`` channels per layer)
            are not kept for the backward pass but rebuilt there from the
            layers' own outputs, which are kept (a copy, not a second
            forward of the convs; :func:`conv_rebuilding_input`). Same
            values and gradients. Defaults to ``False``.
        init_cfg (dict, optional): Initialisation config. Defaults to
            ``None``.

    Shape:
        - forward input: ``(N, C_p, T, h, w)``; output ``(N, 2, T, h, w)``
          in pixels of the ``h x w`` grid (before upsampling, either mode).
    """

    key_prefix = 'rec'
    default_level = 1

    @classmethod
    def input_levels(cls, level: int) -> Tuple[int, ...]:
        """The head at ``level`` reads ``P^level`` only."""
        return (level, )

    @classmethod
    def fill_channels(cls, cfg: dict, backbone) -> dict:
        """``cfg`` with ``in_channels`` taken from ``backbone`` (an
        :class:`HCMLBackbone`) where omitted."""
        cfg.setdefault('in_channels', backbone.motion_channels(cfg['level']))
        return cfg

    def __init__(self,
                 in_channels: int,
                 level: int = 1,
                 dense_channels: Sequence[int] = (32, 32, 24, 16, 8),
                 loss: ConfigType = dict(type='ReconstructionLoss'),
                 loss_weight: float = 15.0,
                 zero_init_flow: bool = True,
                 upsample: str = 'bilinear',
                 upsample_factor: int = 4,
                 upsample_channels: int = 32,
                 with_cp: bool = False,
                 init_cfg: OptConfigType = None) -> None:
        super().__init__(level, loss, loss_weight, init_cfg=init_cfg)
        if not isinstance(zero_init_flow, bool):
            raise ValueError(
                f'zero_init_flow must be a bool, got {zero_init_flow!r}')
        if not isinstance(with_cp, bool):
            raise ValueError(f'with_cp must be a bool, got {with_cp!r}')
        if upsample not in UPSAMPLE_MODES:
            raise ValueError(f'upsample must be one of {UPSAMPLE_MODES}, got '
                             f'{upsample!r}')
        for name, value in (('upsample_factor', upsample_factor),
                            ('upsample_channels', upsample_channels)):
            if not (isinstance(value, int) and not isinstance(value, bool)
                    and value >= 1):
                raise ValueError(f'{name} must be an int >= 1, got '
                                 f'{value!r}')
        if len(dense_channels) < 1 or min(dense_channels) < 1:
            raise ValueError('dense_channels must be positive widths, got '
                             f'{dense_channels!r}')
        self.in_channels = in_channels
        self.with_cp = with_cp
        self.dense = nn.ModuleList()
        width = in_channels
        for out in dense_channels:
            self.dense.append(
                nn.Sequential(
                    nn.Conv2d(width, out, 3, padding=1),
                    nn.LeakyReLU(0.1, inplace=True)))
            width += out
        self.predict_flow = nn.Conv2d(width, 2, 3, padding=1)
        self.zero_init_flow = zero_init_flow
        self.upsample = upsample
        self.upsample_factor = upsample_factor
        if upsample == 'convex':
            self.upsample_mask = nn.Sequential(
                nn.Conv2d(width, upsample_channels, 3, padding=1),
                nn.LeakyReLU(0.1, inplace=True),
                nn.Conv2d(upsample_channels,
                          9 * upsample_factor * upsample_factor, 1))
        elif upsample == 'guided':
            self.refine = nn.Sequential(
                nn.Conv2d(11, upsample_channels, 3, padding=1),
                nn.LeakyReLU(0.1, inplace=True),
                nn.Conv2d(upsample_channels, upsample_channels, 3, padding=1),
                nn.LeakyReLU(0.1, inplace=True),
                nn.Conv2d(upsample_channels, 2, 3, padding=1)).to(
                    memory_format=torch.channels_last)

    def init_weights(self) -> None:
        """``init_cfg`` first, then the zero flow of ``zero_init_flow``."""
        super().init_weights()
        if self.zero_init_flow:
            nn.init.zeros_(self.predict_flow.weight)
            nn.init.zeros_(self.predict_flow.bias)
        if self.upsample == 'convex':
            nn.init.zeros_(self.upsample_mask[-1].weight)
            nn.init.zeros_(self.upsample_mask[-1].bias)
        if self.upsample == 'guided':
            nn.init.zeros_(self.refine[-1].weight)
            nn.init.zeros_(self.refine[-1].bias)

    def estimate(self, x: Tensor) -> Tensor:
        """The dense estimator (section 3.2, PWC-Net style) on frames.

        Shape:
            - x: ``(B, C_p, h, w)``; output ``(B, 2, h, w)``
        """
        feats = self._dense(_cpu_channels_last(x))
        return self._conv(self.predict_flow, feats)

    def _dense(self, x: Tensor) -> List[Tensor]:
        """The input and the five dense layers' outputs; the next layer
        reads their concatenation (section 3.2's DenseNet connections)."""
        feats = [x]
        for layer in self.dense:
            conv, act = layer
            feats.append(act(self._conv(conv, feats)))
        return feats

    def _conv(self, conv: nn.Module, feats: List[Tensor]) -> Tensor:
        """``conv(cat(feats))``. With ``with_cp`` in training the
        concatenation is not kept for the backward pass: it is rebuilt
        there from ``feats`` (see :func:`conv_rebuilding_input`)."""
        if len(feats) == 1:
            return conv(feats[0])
        if wants_checkpoint(self, self.with_cp):
            return conv_rebuilding_input(conv, feats)
        return conv(torch.cat(feats, dim=1))

    def _flow_and_mask(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        """Coarse flow and convex-upsampling logits from the same features.

        Shape:
            - x: ``(B, C_p, h, w)``; outputs ``(B, 2, h, w)`` and
              ``(B, 9 * upsample_factor^2, h, w)``
        """
        feats = self._dense(_cpu_channels_last(x))
        hidden = self._conv(self.upsample_mask[0], feats)
        return (self._conv(self.predict_flow, feats),
                self.upsample_mask[2](self.upsample_mask[1](hidden)))

    def forward(self, motion: Tensor) -> Tensor:
        """Flow of every frame of ``motion`` (see class docstring)."""
        n, c, t, h, w = motion.shape
        x = motion.transpose(1, 2).reshape(n * t, c, h, w)
        flow = self.estimate(x)
        return flow.reshape(n, t, 2, h, w).transpose(1, 2)

    @property
    def needs_frames(self) -> bool:
        """Whether :meth:`pair_flow` reads the frames (``'guided'``)."""
        return self.upsample == 'guided'

    def pair_flow(self,
                  feats: Tensor,
                  size: Tuple[int, int],
                  frames: Optional[Tensor] = None) -> Tensor:
        """Flow of each real frame pair, at frame size and in frame pixels.

        The last, replicated pair carries no motion and is excluded.

        Args:
            feats (Tensor): Motion features of this level.
            size (tuple[int, int]): Frame size ``(H, W)``.
            frames (Tensor, optional): The frames at this level's time
                steps, in ``[0, 1]``; required by ``upsample='guided'``,
                ignored otherwise.

        Shape:
            - feats: ``(N, C_p, T, h, w)`` motion features of this level
            - frames: ``(N, 3, T, H, W)``
            - output: ``(N * (T - 1), 2, H, W)`` float32, ``(H, W) = size``
        """
        if self.upsample in ('bilinear', 'guided'):
            flow = self(feats[:, :, :-1])
            n, _, pairs, h, w = flow.shape
            flow = upsample_flow(
                flow.transpose(1, 2).reshape(n * pairs, 2, h, w).float(),
                size)
            if self.upsample == 'bilinear':
                return flow
            return self._refine(flow, frames, n, pairs)
        n, c, steps, h, w = feats.shape
        factor = self.upsample_factor
        if tuple(size) != (factor * h, factor * w):
            raise ValueError(
                f"upsample='convex' with upsample_factor={factor} needs frames "
                f'of {factor * h}x{factor * w} for {h}x{w} features, got '
                f'{size[0]}x{size[1]}')
        x = feats[:, :, :-1].transpose(1, 2).reshape(n * (steps - 1), c, h, w)
        flow, mask = self._flow_and_mask(x)
        return convex_upsample_flow(flow.float(), mask.float(), factor)

    def _refine(self, flow: Tensor, frames: Optional[Tensor], n: int,
                pairs: int) -> Tensor:
        """``flow + refine(cat[flow, I_t, I^_t, I_t - I^_t])``, ``I^_t`` the
        frame ``t + 1`` warped by ``flow`` (``upsample='guided'``)."""
        size = tuple(flow.shape[-2:])
        if frames is None or frames.dim() != 5 or frames.shape[0] != n or (
                frames.shape[2] != pairs + 1) or tuple(
                    frames.shape[-2:]) != size or frames.shape[1] != 3:
            raise ValueError(
                "upsample='guided' needs the level's frames, (N, 3, T, H, W) "
                f'= {(n, 3, pairs + 1) + size}, got '
                f'{None if frames is None else tuple(frames.shape)}')
        frames = frames.float()
        target = frames[:, :, :-1].transpose(1, 2).reshape(
            n * pairs, 3, *size)
        source = frames[:, :, 1:].transpose(1, 2).reshape(
            n * pairs, 3, *size)
        warped, _ = backward_warp(source, flow)
        x = torch.cat([flow, target, warped, target - warped], dim=1)
        return flow + self.refine(_cpu_channels_last(x)).contiguous()

    def loss(self, feats: Sequence[Tensor], frames: Tensor) -> dict:
        """Reconstruction loss of Eq. 2-3 for this head's level.

        Args:
            feats (Sequence[Tensor]): ``(P^level, )``, the motion features
                of :meth:`input_levels` (as the recognizer hands them).
            frames (Tensor): Input clips ``(N, 3, T, H, W)`` in ``[0, 1]``.

        Returns:
            dict: ``loss_rec_l{level}`` (weighted by ``loss_weight``) and the
            metrics ``photometric_err_l{level}``, ``smoothness_err_l{level}``.
        """
        feats, = self.take_inputs(feats)
        steps = feats.shape[2]
        if steps < 2:
            raise ValueError(
                f'FlowReconstructionHead(level={self.level}) needs at least 2 '
                f'time steps at its level, got features of shape '
                f'{tuple(feats.shape)}')
        frames = frames_at_level(frames, steps, self.level)
        height, width = frames.shape[-2:]
        flow = self.pair_flow(feats, (height, width), frames)
        n, pairs = feats.shape[0], steps - 1
        target = frames[:, :, :-1].transpose(1, 2).reshape(
            n * pairs, -1, height, width).float()
        source = frames[:, :, 1:].transpose(1, 2).reshape(
            n * pairs, -1, height, width).float()
        rec = self.criterion(target, source, flow)
        return {
            f'loss_rec_l{self.level}': self.loss_weight * rec['loss'],
            f'photometric_err_l{self.level}': rec['photometric'].detach(),
            f'smoothness_err_l{self.level}': rec['smoothness'].detach(),
        }
