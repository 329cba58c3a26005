"""Loading a config and a checkpoint into a model, for the tools.

Checkpoints are read by :func:`mmhcml.engine.checkpoint_io.safe_load`, the
one loader of the project (weights only; the file named on every failure;
the state dict checked to map names to finite tensors). Errors name the
missing file or the checkpoint keys that do not fit.
"""
import copy
import os.path as osp
import re
from typing import Optional, Sequence, Union

import torch.nn as nn
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import _load_checkpoint_to_model

from mmaction.registry import MODELS
from ..engine.checkpoint_io import safe_load

__all__ = ['load_config', 'build_model', 'load_weights', 'load_model']


def load_config(config: Union[str, Config],
                cfg_options: Optional[dict] = None) -> Config:
    """Read ``config`` (a path or a Config), apply ``cfg_options``, set scope.

    Raises:
        FileNotFoundError: If the config file does not exist.
    """
    if isinstance(config, Config):
        cfg = copy.deepcopy(config)
    else:
        if not osp.isfile(config):
            raise FileNotFoundError(f'config file {config!r} does not exist')
        cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    return cfg


def _check_checkpoint(checkpoint: str) -> None:
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint {checkpoint!r} does not exist')


def build_model(config: Union[str, Config],
                cfg_options: Optional[dict] = None) -> nn.Module:
    """Build (not load) the model of ``config``."""
    return MODELS.build(load_config(config, cfg_options).model)


def load_weights(model: nn.Module,
                 checkpoint: str,
                 required_prefixes: Sequence[str] = ()) -> nn.Module:
    """Load ``checkpoint`` into ``model`` (read by ``safe_load``, copied in
    with MMEngine's ``_load_checkpoint_to_model``, ``module.`` prefixes
    removed).

    Args:
        model (nn.Module): The built model.
        checkpoint (str): Checkpoint file (an MMEngine ``.pth``).
        required_prefixes (Sequence[str]): State-dict prefixes (e.g.
            ``'motion_heads.0.'``) that the checkpoint must contain; a
            deploy checkpoint stripped of its side branch lacks them.
            Defaults to ``()``.

    Returns:
        nn.Module: ``model``, loaded.

    Raises:
        FileNotFoundError: If ``checkpoint`` does not exist.
        UnreadableCheckpointError: If the file cannot be read, or its state
            dict does not map names to finite tensors (the subclass
            ``NonFiniteCheckpointError`` for NaN/Inf, naming the key).
        ValueError: If a required prefix has no weights in the checkpoint.
    """
    _check_checkpoint(checkpoint)
    ckpt = safe_load(checkpoint, map_location='cpu')
    _load_checkpoint_to_model(model, ckpt, strict=False)
    state = ckpt.get('state_dict', ckpt)
    keys = {re.sub(r'^module\.', '', key) for key in state}
    for prefix in required_prefixes:
        wanted = [k for k in model.state_dict() if k.startswith(prefix)]
        if wanted and not any(k in keys for k in wanted):
            raise ValueError(
                f'checkpoint {checkpoint!r} holds no weights for '
                f'{prefix.rstrip(".")!r} (a deploy checkpoint stripped of '
                'its side branch?); use the full training checkpoint')
    return model


def load_model(config: Union[str, Config],
               checkpoint: str,
               *,
               device: str = 'cpu',
               cfg_options: Optional[dict] = None) -> nn.Module:
    """Build the model of ``config`` and load ``checkpoint`` into it.

    Args:
        config (str | Config): Config file or object.
        checkpoint (str): Checkpoint file (an MMEngine ``.pth``).
        device (str): Device to move the model to. Defaults to ``'cpu'``.
        cfg_options (dict, optional): Config overrides. Defaults to ``None``.

    Returns:
        nn.Module: The model, in eval mode.

    Raises:
        FileNotFoundError: If ``checkpoint`` (or ``config``) does not exist.
    """
    _check_checkpoint(checkpoint)
    model = load_weights(build_model(config, cfg_options), checkpoint)
    return model.to(device).eval()
