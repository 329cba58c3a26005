"""How far the flow follows a known motion: real frames moved as a whole.

One frame of a video is cut into ``clip_len`` windows of ``H x W`` that slide
right by ``s`` pixels per frame, so that between consecutive windows every
pixel moves ``s`` px to the left: the true flow (frame ``t`` to ``t + 1``,
the direction of Eq. 2's warp) is ``(-s, 0)`` everywhere. The *reach* at
``s`` is the median, over the pairs and the pixels inside a border, of the
flow's horizontal component divided by ``-s``: 1 when the flow follows the
shift, 0 when it sees none, negative when it points the wrong way.

Unlike the photometric cut of :mod:`.flow_quality`, which mixes every speed
in a video, this isolates one speed on the video's own texture (its
structure, blur and compression), with no occlusion and no other motion.
"""
import os
import os.path as osp
from typing import Callable, Dict, List, Sequence, Tuple

import numpy as np
from torch import Tensor

__all__ = [
    'middle_frame', 'shift_windows', 'shift_reach', 'videos_shift_reach',
    'format_shift_reach'
]


def middle_frame(path: str) -> np.ndarray:
    """The middle frame of a video at its own resolution, ``(H, W, 3)``
    uint8 RGB.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        ValueError: If OpenCV decodes no frame of it.
    """
    import cv2

    if not osp.isfile(path):
        raise FileNotFoundError(f'video {path!r} does not exist')
    # Two passes of grab() (no frame kept) then one retrieve: the frame
    # count that containers report is not always right, and holding every
    # frame of a long video would not fit in memory.
    count = 0
    capture = cv2.VideoCapture(os.fspath(path))
    try:
        while capture.grab():
            count += 1
    finally:
        capture.release()
    frame = None
    capture = cv2.VideoCapture(os.fspath(path))
    try:
        for _ in range(count // 2 + 1):
            if not capture.grab():
                break
        else:
            ok, frame = capture.retrieve()
            frame = frame if ok else None
    finally:
        capture.release()
    if frame is None:
        raise ValueError(f'video {path!r}: OpenCV decoded no frame (is the '
                         'file a readable video?)')
    return np.ascontiguousarray(frame[:, :, ::-1])


def shift_windows(frame: np.ndarray, shift: int, clip_len: int,
                  size: Tuple[int, int] = (96, 128)) -> np.ndarray:
    """``clip_len`` windows of ``size`` sliding right by ``shift`` px per
    frame over ``frame``.

    ``frame`` is first resized (aspect kept) to the smallest size that holds
    the windows: height ``H`` and width ``W + (clip_len - 1) * shift`` at
    least; the windows are centred vertically.

    Shape:
        - frame: ``(H0, W0, 3)``; output ``(clip_len, H, W, 3)``, same dtype
    """
    import cv2

    if not isinstance(shift, int) or shift < 0:
        raise ValueError(f'shift must be an int >= 0, got {shift!r}')
    if not isinstance(clip_len, int) or clip_len < 2:
        raise ValueError(f'clip_len must be an int >= 2, got {clip_len!r}')
    if frame.ndim != 3 or frame.shape[2] != 3:
        raise ValueError(f'frame must be (H, W, 3), got {frame.shape}')
    height, width = size
    need = width + (clip_len - 1) * shift
    frame_h, frame_w = frame.shape[:2]
    scale = max(height / frame_h, need / frame_w)
    new_w = max(need, int(round(frame_w * scale)))
    new_h = max(height, int(round(frame_h * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    big = cv2.resize(frame, (new_w, new_h), interpolation=interpolation)
    top = (new_h - height) // 2
    return np.stack([
        big[top:top + height, t * shift:t * shift + width]
        for t in range(clip_len)
    ])


def shift_reach(pair_flows: Callable[[np.ndarray], Tensor],
                frame: np.ndarray,
                shifts: Sequence[int],
                clip_len: int,
                size: Tuple[int, int] = (96, 128),
                border: int = 12) -> Dict[int, float]:
    """The reach of ``pair_flows`` at each shift (see the module docstring).

    Args:
        pair_flows (callable): ``(T, H, W, 3)`` uint8 frames to the flow of
            each consecutive pair, ``(T - 1, 2, H, W)`` in pixels (x, y),
            e.g. ``lambda f: model_pair_flows(model, f, clip_len)``.
        frame (np.ndarray): ``(H0, W0, 3)`` uint8 RGB.
        shifts (Sequence[int]): Shifts in px per frame, each >= 1.
        clip_len (int): Frames per window sequence.
        size (tuple[int, int]): Window size ``(H, W)``.
        border (int): Pixels left out at each edge (where the flow of
            pixels that enter the window is not observable).

    Returns:
        dict: shift -> reach.
    """
    height, width = size
    if not isinstance(border, int) or border < 0 or \
            2 * border >= min(height, width):
        raise ValueError(f'border must be an int in [0, {min(size) // 2}) '
                         f'for windows of {size}, got {border!r}')
    reach = {}
    for shift in shifts:
        if not isinstance(shift, int) or shift < 1:
            raise ValueError(f'shifts must be ints >= 1, got {shift!r}')
        flow = pair_flows(shift_windows(frame, shift, clip_len, size))
        inner = flow[:, 0, border:height - border, border:width - border]
        reach[shift] = float(-inner.float().median()) / shift
    return reach


def videos_shift_reach(pair_flows: Callable[[np.ndarray], Tensor],
                       videos: Sequence[str],
                       shifts: Sequence[int],
                       clip_len: int,
                       size: Tuple[int, int] = (96, 128),
                       log=print) -> Dict[str, Dict[str, float]]:
    """:func:`shift_reach` on the middle frame of each video.

    Returns:
        dict: video file name -> ``{str(shift): reach}`` (string keys, as
        JSON writes them).
    """
    out = {}
    for index, path in enumerate(videos):
        name = osp.basename(path)
        log(f'shift reach [{index + 1}/{len(videos)}] {name}')
        reach = shift_reach(pair_flows, middle_frame(path), shifts, clip_len,
                            size)
        out[name] = {str(shift): value for shift, value in reach.items()}
    return out


def format_shift_reach(rows: Dict[str, Dict[str, float]]) -> List[str]:
    """One line per video: ``name: reach at 1/2/4 px per frame: ...``."""
    lines = []
    for name, reach in rows.items():
        shifts = '/'.join(reach)
        values = '/'.join(f'{value:.2f}' for value in reach.values())
        lines.append(f'{name[:23]}: reach at {shifts} px per frame (whole '
                      f'frame moved): {values}')
    return lines
