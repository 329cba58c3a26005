"""HCML recognizer: classification plus the motion side branch (Eq. 5).

``L_total = L_cls + lambda * L_rec + sum_l gamma^l * L_con^l`` (section 3.3).
The weights live in the heads (``loss_weight``); the recognizer merges their
loss dicts, as MMAction2 merges TPN's auxiliary losses.
"""
import copy
from typing import Dict, List, Optional, Sequence, Tuple

import torch.nn as nn
from mmengine.model import ModuleDict, merge_dict
from torch import Tensor

from mmaction.models.recognizers import Recognizer3D
from mmaction.registry import MODELS
from mmaction.utils import ConfigType, OptConfigType, SampleList

from ..heads import BaseMotionHead
from .flow_prediction import LevelFlow, predict_level_flows

__all__ = [
    'HCMLRecognizer', 'motion_head_class', 'motion_head_key',
    'motion_head_inputs'
]


def motion_head_class(cfg: ConfigType) -> type:
    """The :class:`~mmhcml.models.heads.BaseMotionHead` subclass of a
    side-branch head config.

    Raises:
        ValueError: If ``cfg['type']`` is not a registered
            ``BaseMotionHead`` subclass.
    """
    head_type = cfg.get('type')
    cls = MODELS.get(head_type) if isinstance(head_type, str) else head_type
    if not (isinstance(cls, type) and issubclass(cls, BaseMotionHead)):
        raise ValueError('motion_heads[].type must be a BaseMotionHead '
                         '(e.g. FlowReconstructionHead, '
                         f'ContrastiveMotionHead), got {head_type!r}')
    return cls


def motion_head_key(cfg: ConfigType) -> str:
    """Key of a head config in ``motion_heads``: ``rec_l1``, ``con_l2``."""
    cls = motion_head_class(cfg)
    return f'{cls.key_prefix}_l{cfg.get("level", cls.default_level)}'


def motion_head_inputs(head: BaseMotionHead,
                       motion: Dict[int, Tensor]) -> Tuple[Tensor, ...]:
    """What a side-branch head reads, as its ``loss`` takes it.

    Args:
        head (BaseMotionHead): The head.
        motion (dict[int, Tensor]): ``{level: P^level}`` from the backbone.

    Returns:
        tuple[Tensor]: ``P^l`` for each ``l`` of
        ``head.levels_read``, in that order.
    """
    return tuple(motion[level] for level in head.levels_read)


@MODELS.register_module()
class HCMLRecognizer(Recognizer3D):
    """Recognizer with self-supervised motion heads on a side branch.

    ::

        clips -> HCMLBackbone -> features -> [neck] -> cls_head -> L_cls
                      |
                      +-> {l: P^l} -> motion heads (flow head, contrastive
                                      heads) -> L_rec, L_con^l   (training only)

    Each motion head declares what it reads (``input_levels``) and gets those
    levels' ``P^l`` (:func:`motion_head_inputs`), as ``cls_head`` gets the
    features: ``head.loss(feats, frames)``.

    The motion heads run only in :meth:`loss`. :meth:`predict` and the
    ``tensor`` mode never touch them, so a checkpoint stripped of their
    weights gives identical outputs. Without ``cls_head`` (self-supervised
    stages) the model trains on unlabelled clips and the backbone stops after
    the deepest level a head reads.

    Args:
        backbone (dict): Config of an :class:`HCMLBackbone`.
        cls_head (dict, optional): Classification head. Defaults to ``None``.
        neck (dict, optional): Neck between backbone and head. Defaults to
            ``None``.
        motion_heads (list[dict], optional): Side-branch heads, each with a
            ``level``; their ``in_channels`` (and ``target_channels``) are
            filled in from the backbone when omitted. They are kept in a
            ``ModuleDict`` keyed ``rec_l{level}`` / ``con_l{level}``.
            Defaults to ``None``.
        train_cfg (dict, optional): Defaults to ``None``.
        test_cfg (dict, optional): Defaults to ``None``.
        data_preprocessor (dict, optional): Defaults to ``None``.
    """

    def __init__(self,
                 backbone: ConfigType,
                 cls_head: OptConfigType = None,
                 neck: OptConfigType = None,
                 motion_heads: Optional[List[ConfigType]] = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None) -> None:
        if isinstance(cls_head, dict):
            classes = cls_head.get('num_classes')
            if classes is not None and (not isinstance(classes, int)
                                        or isinstance(classes, bool)
                                        or classes < 1):
                raise ValueError(
                    'model.cls_head.num_classes must be an int >= 1, got '
                    f'{classes!r} (a number written as a string in the '
                    'config or in --cfg-options?)')
        super().__init__(
            backbone=backbone,
            cls_head=cls_head,
            neck=neck,
            train_cfg=train_cfg,
            test_cfg=test_cfg,
            data_preprocessor=data_preprocessor)
        motion_heads = list(motion_heads or [])
        if motion_heads and not hasattr(self.backbone, 'motion_blocks'):
            raise ValueError(
                'motion_heads need an HCMLBackbone, got backbone type '
                f'{type(self.backbone).__name__!r}')
        if cls_head is None and not motion_heads:
            raise ValueError('HCMLRecognizer needs a cls_head, motion_heads '
                             'or both; got neither')
        # Keyed by kind and level (``rec_l1``, ``con_l2``), so checkpoints of
        # different stages agree on the names of the heads they share.
        # MMEngine's ModuleDict (a BaseModule), so that init_weights reaches
        # the heads' own init_weights / init_cfg (nn.ModuleDict stops it).
        self.motion_heads = ModuleDict()
        for cfg in motion_heads:
            head = self._build_motion_head(cfg)
            key = head.key
            if key in self.motion_heads:
                raise ValueError('two motion_heads of the same type share '
                                 f'level {head.level}: {key!r}')
            self.motion_heads[key] = head

    def _build_motion_head(self, cfg: ConfigType) -> BaseMotionHead:
        cfg = copy.deepcopy(dict(cfg))
        cls = motion_head_class(cfg)
        name = cls.__name__
        level = cfg.setdefault('level', cls.default_level)
        needed = cls.input_levels(level) if isinstance(level, int) else ()
        missing = [lv for lv in needed if lv not in self.backbone.levels]
        if not needed or missing:
            raise ValueError(
                f'motion head {name} with level={level!r} needs motion blocks '
                f'at levels {needed or "(an int level)"}, but the backbone '
                f'has levels={self.backbone.levels}')
        return MODELS.build(cls.fill_channels(cfg, self.backbone))

    @property
    def with_motion_heads(self) -> bool:
        """bool: whether the recognizer trains a motion side branch."""
        return len(self.motion_heads) > 0

    def frames_in_unit_range(self, clips: Tensor) -> Tensor:
        """Undo the data preprocessor's normalisation; intensities in [0, 1].

        Shape:
            - clips: ``(N, C, T, H, W)`` as fed to the backbone
            - output: same shape
        """
        preprocessor = self.data_preprocessor
        if getattr(preprocessor, '_enable_normalize', False):
            clips = clips * preprocessor.std + preprocessor.mean
        return clips / 255.0

    def loss(self, inputs: Tensor, data_samples: SampleList,
             **kwargs) -> dict:
        """Losses of Eq. 5: ``loss_cls`` and every motion head's losses.

        Args:
            inputs (Tensor): ``(N, num_clips, C, T, H, W)``, normalised.
            data_samples (list[ActionDataSample]): Labels, needed only when
                there is a ``cls_head``.

        Returns:
            dict: ``loss_cls`` (with a classification head), then
            ``loss_rec_l{l}`` / ``loss_con_l{l}`` and their metrics.
        """
        clips = inputs.view((-1, ) + inputs.shape[2:])
        classify = self.with_cls_head
        # without a classifier the backbone stops after the deepest level
        # a head reads
        deepest = None if classify else max(
            max(h.levels_read) for h in self.motion_heads.values())
        feats, motion = self.backbone(
            clips, return_motion=True, max_level=deepest)
        losses = dict()
        if classify:
            loss_aux = dict()
            if self.with_neck:
                feats, loss_aux = self.neck(feats, data_samples=data_samples)
            # scores in float32: the loss (and MMAction2's accuracy, which
            # goes through numpy) must not run in half precision under AMP
            scores = self.cls_head(feats).float()
            losses = merge_dict(
                self.cls_head.loss_by_feat(scores, data_samples), loss_aux)
        if self.with_motion_heads:
            frames = self.frames_in_unit_range(clips)
            for head in self.motion_heads.values():
                losses.update(
                    head.loss(motion_head_inputs(head, motion), frames))
        return losses

    def predict_flow(self,
                     clips: Tensor,
                     levels: Optional[Sequence[int]] = None
                     ) -> Dict[int, LevelFlow]:
        """Optical flow of the flow heads at frame size (section 3.2).

        The one flow entry point of the training hook and the tools; see
        :func:`~mmhcml.models.recognizers.flow_prediction.predict_level_flows`
        (no grad; the caller chooses train or eval mode).

        Args:
            clips (Tensor): ``(N, 3, T, H, W)``, normalised as by the data
                preprocessor.
            levels (Sequence[int], optional): Levels with a flow head;
                defaults to all of them.

        Returns:
            dict[int, LevelFlow]: ``flow`` ``(N, P, 2, H, W)`` and the frame
            ``pairs`` of each level.
        """
        return predict_level_flows(self, clips, levels)

    def predict(self, inputs: Tensor, data_samples: SampleList,
                **kwargs) -> SampleList:
        """Class scores; never runs the side branch."""
        if not self.with_cls_head:
            raise RuntimeError(
                'This HCMLRecognizer has no cls_head (a self-supervised '
                'stage): it cannot predict classes. Test a joint or '
                'fine-tuning config instead.')
        return super().predict(inputs, data_samples, **kwargs)
