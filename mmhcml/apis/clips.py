"""Clips for the tools: the clip a config's pipeline feeds, and a clip read
from a video file (decord), resized and centre-cropped.

Used by the analysis tools, the demo and the exporter.
"""
import os
import os.path as osp

import numpy as np
from mmengine.config import Config

__all__ = [
    'NO_PIPELINE_CLIP', 'pipeline_clip', 'check_frame_size', 'read_video_clip'
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
