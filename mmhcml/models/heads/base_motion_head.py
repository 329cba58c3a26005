"""The contract of every side-branch motion head (sections 3.2-3.3).

A motion head reads the motion features ``P^l`` of some levels, computes a
self-supervised loss with a registered loss module (Eq. 2-3 or Eq. 4), and
weights it by its Eq. 5 weight (``lambda`` or ``gamma^l``). The recognizer
and the tools talk to every head through this class only, as MMAction2's
recognizers talk to every ``BaseHead``.
"""
from abc import ABCMeta, abstractmethod
from typing import Optional, Sequence, Tuple

from mmengine.model import BaseModule
from torch import Tensor

from mmaction.registry import MODELS
from mmaction.utils import ConfigType, OptConfigType

__all__ = ['BaseMotionHead']


class BaseMotionHead(BaseModule, metaclass=ABCMeta):
    """Abstract side-branch head on the motion features of an HCML backbone.

    ::

        backbone {l: P^l} --pick input_levels(level)--> (P^a, P^b, ...)
            --> head.loss(feats, frames) --> {'loss_<key>': weight * L, metrics}

    Subclasses set :attr:`key_prefix` and :attr:`default_level` and implement
    :meth:`input_levels`, :meth:`fill_channels` and :meth:`loss`.

    Args:
        level (int): The level the head belongs to (its key is
            ``f'{key_prefix}_l{level}'``).
        loss (dict): Config of the registered loss module, built into
            :attr:`criterion`.
        loss_weight (float): The head's weight in Eq. 5 (``lambda`` for the
            reconstruction head, ``gamma^l`` for a contrastive head).
        init_cfg (dict, optional): Initialisation config. Defaults to
            ``None``.
    """

    #: Prefix of the head's key in ``HCMLRecognizer.motion_heads`` and of its
    #: loss names (``rec`` -> ``rec_l1``, ``loss_rec_l1``).
    key_prefix: str = ''
    #: The ``level`` a config that gives none gets.
    default_level: int = 1
    #: The smallest level the head can sit at.
    min_level: int = 1

    def __init__(self,
                 level: int,
                 loss: ConfigType,
                 loss_weight: float,
                 init_cfg: OptConfigType = None) -> None:
        super().__init__(init_cfg=init_cfg)
        name = type(self).__name__
        if not isinstance(level, int) or isinstance(level, bool) or \
                level < self.min_level:
            raise ValueError(f'{name}: level must be an int >= '
                             f'{self.min_level}, got {level!r}')
        if not isinstance(loss_weight, (int, float)) or loss_weight < 0:
            raise ValueError(
                f'{name}: loss_weight must be a number >= 0, got '
                f'{loss_weight!r}')
        if not isinstance(loss, dict) or 'type' not in loss:
            raise ValueError(f'{name}: loss must be a loss config dict with '
                             f'a type, got {loss!r}')
        self.level = level
        self.loss_weight = float(loss_weight)
        self.criterion = MODELS.build(loss)

    @classmethod
    @abstractmethod
    def input_levels(cls, level: int) -> Tuple[int, ...]:
        """The levels whose ``P^l`` the head at ``level`` reads, in the
        order :meth:`loss` takes them."""

    @classmethod
    @abstractmethod
    def fill_channels(cls, cfg: dict, backbone) -> dict:
        """``cfg`` with its channel arguments taken from ``backbone`` (an
        :class:`~mmhcml.models.backbones.HCMLBackbone`) where omitted."""

    @abstractmethod
    def loss(self, feats: Sequence[Tensor],
             frames: Optional[Tensor] = None) -> dict:
        """The head's weighted loss ``loss_<key>`` and its metrics.

        Args:
            feats (Sequence[Tensor]): ``P^l`` for each level of
                :meth:`input_levels`, in that order.
            frames (Tensor, optional): Input clips ``(N, 3, T, H, W)`` in
                ``[0, 1]``, for heads that reconstruct frames.
        """

    @property
    def key(self) -> str:
        """The head's key, e.g. ``'rec_l1'``, ``'con_l2'``."""
        return f'{self.key_prefix}_l{self.level}'

    @property
    def levels_read(self) -> Tuple[int, ...]:
        """:meth:`input_levels` of this head's level."""
        return tuple(self.input_levels(self.level))

    def take_inputs(self, feats: Sequence[Tensor]) -> Tuple[Tensor, ...]:
        """``feats`` as the tuple :meth:`loss` reads, checked.

        Raises:
            TypeError: If ``feats`` is not a tuple or list with one tensor
                per level of :attr:`levels_read` (a ``{level: P^level}``
                dict is refused; ``motion_head_inputs`` picks the tuple out
                of it).
        """
        levels = self.levels_read
        if isinstance(feats, (tuple, list)) and len(feats) == len(levels):
            return tuple(feats)
        got = (f'a dict with levels {sorted(feats)}' if isinstance(feats, dict)
               else f'{len(feats)} tensors' if isinstance(feats, (tuple, list))
               else type(feats).__name__)
        raise TypeError(
            f'{type(self).__name__}(level={self.level}).loss takes the motion '
            f'features of levels {levels}, as a tuple in that order '
            '(motion_head_inputs(head, motion) picks them out of the '
            f"backbone's {{level: P^level}}), got {got}")
