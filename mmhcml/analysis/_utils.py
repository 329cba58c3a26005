"""Helpers shared by the analysis tools (private to ``mmhcml.analysis``).

Loading a config plus checkpoint, reading a clip from a video file, and
running a model in eval mode without disturbing its training flags.
"""
import contextlib
import copy
import os
import os.path as osp
import re
from typing import Iterator, List, Optional, Sequence, Union

import numpy as np
import torch.nn as nn
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint

from mmaction.registry import MODELS

__all__ = [
    'load_config', 'build_model', 'load_weights', 'load_model',
    'read_video_clip', 'eval_mode', 'check_frame_size', 'pipeline_clip',
    'fill_clip_args'
]

_SAMPLERS = ('SampleFrames', 'UniformSample', 'DenseSampleFrames')
_CROPS = {'CenterCrop': 'crop_size', 'ThreeCrop': 'crop_size',
          'TenCrop': 'crop_size', 'RandomCrop': 'size',
          'RandomCameraMotion': 'crop_size', 'RandomResizedCrop': None,
          'MultiScaleCrop': None}


#: Clip arguments for a config without any pipeline (a model-only config):
#: the synthetic benchmark's 8-frame, 64-px clips.
NO_PIPELINE_CLIP = dict(clip_len=8, frame_interval=1, size=64)


def pipeline_clip(cfg: Config) -> dict:
    """Clip length, frame interval and crop size of the config's clips.

    Read from the test pipeline, else the validation one, else the training
    one (self-supervised stage configs have only that): ``SampleFrames``
    gives ``clip_len`` and ``frame_interval``, the last crop step
    (``CenterCrop`` / ``ThreeCrop`` / ``TenCrop`` ``crop_size``, in training
    ``RandomCrop`` / ``RandomCameraMotion``) or a fixed-size ``Resize`` gives
    ``size`` ``(H, W)``.

    Returns:
        dict: ``clip_len``, ``frame_interval``, ``size`` (a ``(H, W)``
        tuple) and ``source`` (the dataloader read).

    Raises:
        ValueError: No pipeline of the config has these steps.
    """
    for loader in ('test_dataloader', 'val_dataloader', 'train_dataloader'):
        dataset = (cfg.get(loader) or {}).get('dataset') or {}
        clip_len, interval, size = None, 1, None
        for step in dataset.get('pipeline') or []:
            kind = step.get('type', '')
            if kind in _SAMPLERS:
                clip_len = step.get('clip_len', clip_len)
                interval = step.get('frame_interval', 1)
            elif kind in _CROPS and _CROPS[kind] in step:
                crop = step[_CROPS[kind]]
                size = (crop, crop) if isinstance(crop, int) else (crop[1],
                                                                   crop[0])
            elif kind == 'Resize' and not step.get('keep_ratio', True):
                width, height = step['scale']  # MMAction2's scale is (w, h)
                size = (height, width)
        if clip_len is not None and size is not None:
            return dict(clip_len=int(clip_len), frame_interval=int(interval),
                        size=(int(size[0]), int(size[1])), source=loader)
    raise ValueError(
        'cannot read the clip length (SampleFrames.clip_len) and crop size '
        "from this config's test, val or train pipeline; pass them "
        'explicitly (--clip-len, --frame-interval, --size)')


def fill_clip_args(args, cfg: Config) -> dict:
    """Fill ``args.clip_len`` / ``frame_interval`` / ``size`` left ``None``
    from :func:`pipeline_clip` (square ``size``: the crop's short side), or
    from :data:`NO_PIPELINE_CLIP` when the config has no pipeline.

    Returns:
        dict: What was filled in, by argument name.
    """
    names = ('clip_len', 'frame_interval', 'size')
    if all(getattr(args, n, None) is not None for n in names):
        return {}
    try:
        clip = pipeline_clip(cfg)
        clip['size'] = min(clip['size'])
    except ValueError:
        # a model-only config (no pipelines): the synthetic benchmark's clips
        clip = dict(NO_PIPELINE_CLIP)
    filled = {}
    for name in names:
        if getattr(args, name, None) is None:
            setattr(args, name, clip[name])
            filled[name] = clip[name]
    return filled


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
    """Load ``checkpoint`` into ``model`` with MMEngine's ``load_checkpoint``.

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
        ValueError: If a required prefix has no weights in the checkpoint.
    """
    _check_checkpoint(checkpoint)
    ckpt = load_checkpoint(model, checkpoint, map_location='cpu')
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else {}
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


def check_frame_size(size: int) -> None:
    """Frames are written to mp4 and shown side by side: even, >= 16."""
    if not isinstance(size, int) or isinstance(size, bool) or size < 16 \
            or size % 2:
        raise ValueError(f'size must be an even int >= 16, got {size!r}')


def read_video_clip(path: str,
                    clip_len: int,
                    size: int,
                    frame_interval: int = 1) -> np.ndarray:
    """Read ``clip_len`` frames from the middle of a video with decord.

    Frames ``start, start + frame_interval, ...`` are taken, centred in the
    video; each is resized so that its short side is ``size`` and centre
    cropped to ``size x size`` (as a ``Resize(scale=(-1, size))`` +
    ``CenterCrop(size)`` test pipeline; a plain resize for square videos).

    Returns:
        np.ndarray: ``(clip_len, size, size, 3)`` uint8 RGB frames.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        ValueError: If the video is too short or an argument is invalid.
    """
    import cv2
    import decord

    if not osp.isfile(path):
        raise FileNotFoundError(f'video {path!r} does not exist')
    for name, value in (('clip_len', clip_len), ('frame_interval',
                                                 frame_interval)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f'{name} must be an int >= 1, got {value!r}')
    check_frame_size(size)
    reader = decord.VideoReader(os.fspath(path))
    span = (clip_len - 1) * frame_interval + 1
    if len(reader) < span:
        raise ValueError(
            f'video {path!r} has {len(reader)} frames, but clip_len='
            f'{clip_len} with frame_interval={frame_interval} needs {span}')
    start = (len(reader) - span) // 2
    index = list(range(start, start + span, frame_interval))
    frames = reader.get_batch(index).asnumpy()
    height, width = frames.shape[1:3]
    scale = size / min(height, width)
    new_w = max(size, int(round(width * scale)))
    new_h = max(size, int(round(height * scale)))
    top, left = (new_h - size) // 2, (new_w - size) // 2
    return np.stack([
        cv2.resize(frame, (new_w, new_h),
                   interpolation=cv2.INTER_AREA)[top:top + size,
                                                 left:left + size]
        for frame in frames
    ]).astype(np.uint8)


@contextlib.contextmanager
def eval_mode(model: nn.Module) -> Iterator[nn.Module]:
    """Switch every submodule to eval mode, then restore each one's flag.

    Restoring per module (not ``model.train(True)``) keeps modules that a
    freezing hook put in eval mode (frozen BN statistics) in eval mode.
    """
    modes: List[bool] = [m.training for m in model.modules()]
    model.eval()
    try:
        yield model
    finally:
        for module, mode in zip(model.modules(), modes):
            module.training = mode
