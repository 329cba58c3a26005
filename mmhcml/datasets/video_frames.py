"""Whole videos as resized frame arrays, and their split into rawframes.

``read_video_frames`` reads every ``frame_stride``-th frame of a video with
OpenCV; ``extract_rawframes`` writes the first ``train_fraction`` of each
video and the rest as two MMAction2 rawframe folders with annotation lists,
so that stage 1 can train on the start of real videos and be measured on
their held-out end (``tools/data/extract_frames.py``).
"""
import os
import os.path as osp
from typing import Callable, Dict, Sequence, Tuple

import numpy as np

__all__ = [
    'read_video_frames', 'write_rawframes', 'write_frame_lists',
    'extract_rawframes'
]


def read_video_frames(path: str,
                      size: Tuple[int, int] = (96, 128),
                      frame_stride: int = 2) -> np.ndarray:
    """Every ``frame_stride``-th frame of a video, resized to ``size``.

    Returns:
        np.ndarray: ``(T, H, W, 3)`` uint8 RGB.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        ValueError: If the video cannot be decoded or has fewer than 2
            frames at this stride, or an argument is invalid.
    """
    import cv2

    if not osp.isfile(path):
        raise FileNotFoundError(f'video {path!r} does not exist')
    if not isinstance(frame_stride, int) or frame_stride < 1:
        raise ValueError(
            f'frame_stride must be an int >= 1, got {frame_stride!r}')
    height, width = size
    if height < 8 or width < 8:
        raise ValueError(f'size must be at least 8x8, got {size!r}')
    capture = cv2.VideoCapture(os.fspath(path))
    frames, index = [], 0
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            if index % frame_stride == 0:
                frame = cv2.resize(
                    frame, (width, height), interpolation=cv2.INTER_AREA)
                frames.append(frame[:, :, ::-1])
            index += 1
    finally:
        capture.release()
    if len(frames) < 2:
        raise ValueError(
            f'video {path!r}: OpenCV decoded {index} frames, {len(frames)} '
            f'at frame_stride={frame_stride}; at least 2 are needed (is the '
            'file a readable video?)')
    return np.ascontiguousarray(np.stack(frames))


def write_rawframes(folder: str, frames: np.ndarray, ext: str = 'jpg') -> None:
    """Write ``(T, H, W, 3)`` uint8 RGB frames as MMAction2 rawframes,
    ``folder/img_00000.<ext>`` from 0 (JPEG at quality 95; PNG lossless)."""
    import cv2

    if ext not in ('png', 'jpg'):
        raise ValueError(f"ext must be 'png' or 'jpg', got {ext!r}")
    os.makedirs(folder, exist_ok=True)
    options = [cv2.IMWRITE_JPEG_QUALITY, 95] if ext == 'jpg' else []
    for i, frame in enumerate(frames):
        cv2.imwrite(osp.join(folder, f'img_{i:05}.{ext}'),
                    np.ascontiguousarray(frame[:, :, ::-1]), options)


def write_frame_lists(out_dir: str,
                      lists: Dict[str, Sequence[str]]) -> Dict[str, str]:
    """Write ``out_dir/<name>_list.txt`` (one ``<folder> <num_frames>`` line
    per entry) for each ``name`` of ``lists``; returns ``{name: path}``."""
    out = {}
    for name, lines in lists.items():
        out[name] = osp.join(out_dir, f'{name}_list.txt')
        with open(out[name], 'w') as handle:
            handle.write('\n'.join(lines) + '\n')
    return out


def extract_rawframes(videos: Sequence[str],
                      out_dir: str,
                      size: Tuple[int, int] = (96, 128),
                      frame_stride: int = 2,
                      train_fraction: float = 0.7,
                      min_frames: int = 8,
                      log: Callable[[str], None] = print,
                      ext: str = 'png') -> Dict[str, str]:
    """Write each video's first ``train_fraction`` and rest as rawframes.

    Layout (MMAction2 rawframes, ``img_{:05}.<ext>`` from 0; PNG, lossless,
    is what the real-footage configs read)::

        out_dir/rawframes/<video>_train/img_00000.png ...
        out_dir/rawframes/<video>_test/img_00000.png ...
        out_dir/train_list.txt   (``<video>_train <num_frames>`` per line)
        out_dir/test_list.txt

    Returns:
        dict: ``{'train': train list path, 'test': test list path}``.

    Raises:
        ValueError: If ``train_fraction`` is not in ``(0, 1)``, two videos
            share a name, or a part has fewer than ``min_frames`` frames.
    """
    if not 0.0 < train_fraction < 1.0:
        raise ValueError(
            f'train_fraction must be in (0, 1), got {train_fraction!r}')
    names = [osp.splitext(osp.basename(path))[0] for path in videos]
    if len(set(names)) != len(names):
        raise ValueError(f'videos must have distinct file names, got {names}')
    lists = {'train': [], 'test': []}
    for index, (path, name) in enumerate(zip(videos, names)):
        frames = read_video_frames(path, size, frame_stride)
        cut = int(train_fraction * len(frames))
        for split, part in (('train', frames[:cut]), ('test', frames[cut:])):
            if len(part) < min_frames:
                raise ValueError(
                    f'video {path!r}: its {split} part has {len(part)} '
                    f'frames at frame_stride={frame_stride}, fewer than '
                    f'min_frames={min_frames}')
            write_rawframes(
                osp.join(out_dir, 'rawframes', f'{name}_{split}'), part, ext)
            lists[split].append(f'{name}_{split} {len(part)}')
        log(f'[{index + 1}/{len(videos)}] {name}: {cut} train, '
            f'{len(frames) - cut} test frames')
    return write_frame_lists(out_dir, lists)
