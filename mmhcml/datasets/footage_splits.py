"""Real footage split by video, and each video cut into shots.

The split file (``configs/hcml/real_footage/splits.py``) names the training,
validation and test videos, the scene cuts of each video and the frame
ranges to leave out. A frame pair never spans a cut: the frames of a video,
taken every ``frame_stride``-th, are grouped into shots, and both the
rawframe extraction (``tools/data/extract_frames.py --splits``) and the flow
measurement (``tools/analysis/flow_quality.py --splits``) work shot by shot.
"""
import os.path as osp
from typing import Callable, Dict, List, Sequence, Tuple

import numpy as np

from .video_frames import read_video_frames, write_frame_lists, write_rawframes

__all__ = ['SPLIT_NAMES', 'load_footage_splits', 'shot_ranges',
           'split_into_shots', 'video_path', 'extract_split_rawframes']

#: Parts of the by-video split.
SPLIT_NAMES = ('train', 'val', 'test')


def load_footage_splits(path: str) -> dict:
    """Read a split file (a Python config) into a plain dict.

    Returns:
        dict: ``videos`` (folder of the videos), ``splits`` (part -> file
        names), ``cuts`` and ``drop`` (file name -> list), ``train_fraction``.

    Raises:
        ValueError: If a part is missing, a video is in two parts, or a cut
            or drop entry names a video that is in no part.
    """
    from mmengine import Config

    cfg = Config.fromfile(path)
    splits = {name: list(cfg.splits.get(name, [])) for name in SPLIT_NAMES}
    missing = [name for name in SPLIT_NAMES if name not in cfg.splits]
    if missing:
        raise ValueError(f'{path}: splits lacks the parts {missing}')
    seen: Dict[str, str] = {}
    for name, videos in splits.items():
        for video in videos:
            if video in seen:
                raise ValueError(f'{path}: video {video!r} is in both '
                                 f'{seen[video]!r} and {name!r}')
            seen[video] = name
    cuts = {k: list(v) for k, v in cfg.get('cuts', {}).items()}
    drop = {k: [tuple(r) for r in v] for k, v in cfg.get('drop', {}).items()}
    for key, table in (('cuts', cuts), ('drop', drop)):
        unknown = sorted(set(table) - set(seen))
        if unknown:
            raise ValueError(f'{path}: {key} names videos in no part: '
                             f'{unknown}')
    return {
        'videos': cfg.get('real_footage_videos', '.'),
        'splits': splits,
        'cuts': cuts,
        'drop': drop,
        'train_fraction': float(cfg.get('train_fraction', 0.7))
    }


def shot_ranges(num_frames: int,
                frame_stride: int,
                cuts: Sequence[int] = (),
                drop: Sequence[Tuple[int, int]] = ()) -> List[Tuple[int, int]]:
    """Shots of a video read every ``frame_stride``-th frame.

    Frame ``j`` of the strided video is frame ``j * frame_stride`` of the
    full-rate video. Pair ``(j, j + 1)`` spans the cut ``k`` when
    ``j * s < k <= (j + 1) * s``; a frame inside a ``drop`` range
    ``[start, end)`` of full-rate frames is left out.

    Args:
        num_frames (int): Frames of the strided video.
        frame_stride (int): ``s``.
        cuts (Sequence[int]): Full-rate frames that start a new shot.
        drop (Sequence[tuple]): Full-rate ``[start, end)`` ranges to skip.

    Returns:
        list: ``(start, end)`` ranges of strided frames, one per shot of at
        least one frame, in order.
    """
    ranges: List[Tuple[int, int]] = []
    start = None
    for j in range(num_frames):
        full = j * frame_stride
        if any(lo <= full < hi for lo, hi in drop):
            if start is not None:
                ranges.append((start, j))
            start = None
            continue
        if start is None:
            start = j
        elif any((j - 1) * frame_stride < k <= full for k in cuts):
            ranges.append((start, j))
            start = j
    if start is not None:
        ranges.append((start, num_frames))
    return ranges


def split_into_shots(frames: np.ndarray,
                     frame_stride: int,
                     cuts: Sequence[int] = (),
                     drop: Sequence[Tuple[int, int]] = (),
                     start_fraction: float = 0.0,
                     end_fraction: float = 1.0) -> List[np.ndarray]:
    """The shots of ``frames`` between two fractions of the video.

    Frames before ``int(start_fraction * T)`` and from
    ``int(end_fraction * T)`` on are left out first (``T = len(frames)``),
    then the rest is cut at the shot boundaries of :func:`shot_ranges`.

    Shape:
        - frames: ``(T, H, W, 3)``; output: arrays ``(T_i, H, W, 3)``
    """
    if not 0.0 <= start_fraction < end_fraction <= 1.0:
        raise ValueError(
            'start_fraction and end_fraction must satisfy 0 <= start < end '
            f'<= 1, got start_fraction={start_fraction!r}, '
            f'end_fraction={end_fraction!r}')
    low = int(start_fraction * len(frames))
    high = int(end_fraction * len(frames))
    shots = []
    for start, end in shot_ranges(len(frames), frame_stride, cuts, drop):
        start, end = max(start, low), min(end, high)
        if end > start:
            shots.append(frames[start:end])
    return shots


def video_path(splits: dict, name: str) -> str:
    """Path of video ``name`` of a :func:`load_footage_splits` result."""
    return osp.join(splits['videos'], name)


def extract_split_rawframes(splits: dict,
                            out_dir: str,
                            part: str = 'train',
                            size: Tuple[int, int] = (96, 128),
                            frame_stride: int = 2,
                            min_frames: int = 8,
                            ext: str = 'png',
                            log: Callable[[str], None] = print
                            ) -> Dict[str, str]:
    """Rawframes of one part's videos, shot by shot, first part / rest.

    Each video of ``splits['splits'][part]`` is read every
    ``frame_stride``-th frame at ``size``; its first
    ``splits['train_fraction']`` and its rest are cut into shots, and every
    shot of at least ``min_frames`` frames becomes one rawframe folder::

        out_dir/rawframes/<video>_<shot>_train/img_00000.png ...
        out_dir/train_list.txt   (``<video>_<shot>_train <num_frames>``)
        out_dir/test_list.txt    (the rest: the within-video view)

    Frames are written losslessly (``ext='png'``) by default: JPEG (even at
    quality 95, with its 4:2:0 chroma) adds noise that differs from frame to
    frame, so that still pixels are no longer still (on mgt_pianist 92% of
    the pixels change by less than 1% between frames as decoded, 70% after
    JPEG), and stage 1 learns to tolerate sub-pixel flow on them that costs
    dearly on decoded video (docs/research/stage1_flow_generalisation/).
    The datasets then need ``filename_tmpl='img_{:05}.png'``.

    A sampler draws list lines, not videos: so that every video weighs the
    same whatever its number of shots, the lines of a video of ``n`` shots
    are repeated ``round(m / n)`` times, ``m`` the most shots of any video
    of the part.

    Returns:
        dict: ``{'train': train list path, 'test': test list path}``.
    """
    if ext not in ('png', 'jpg'):
        raise ValueError(f"ext must be 'png' or 'jpg', got {ext!r}")
    if part not in SPLIT_NAMES:
        raise ValueError(f'part must be one of {SPLIT_NAMES}, got {part!r}')
    fraction = splits['train_fraction']
    lists: Dict[str, List[str]] = {'train': [], 'test': []}
    per_video: Dict[str, List[List[str]]] = {'train': [], 'test': []}
    for index, name in enumerate(splits['splits'][part]):
        frames = read_video_frames(video_path(splits, name), size,
                                   frame_stride)
        stem = osp.splitext(name)[0]
        counts = {}
        for half, (low, high) in (('train', (0.0, fraction)),
                                  ('test', (fraction, 1.0))):
            shots = split_into_shots(frames, frame_stride,
                                     splits['cuts'].get(name, ()),
                                     splits['drop'].get(name, ()), low, high)
            kept = [shot for shot in shots if len(shot) >= min_frames]
            per_video[half].append([])
            for number, shot in enumerate(kept):
                folder = f'{stem}_{number}_{half}'
                write_rawframes(osp.join(out_dir, 'rawframes', folder), shot,
                                ext)
                per_video[half][-1].append(f'{folder} {len(shot)}')
            counts[half] = (len(kept), sum(len(shot) for shot in kept))
        log(f'[{index + 1}/{len(splits["splits"][part])}] {name}: '
            f'{counts["train"][1]} train frames in {counts["train"][0]} '
            f'shots, {counts["test"][1]} test frames in '
            f'{counts["test"][0]} shots')
    for half, videos in per_video.items():
        most = max([len(lines) for lines in videos] + [1])
        for lines in videos:
            if lines:
                lists[half].extend(lines * max(1, round(most / len(lines))))
    return write_frame_lists(out_dir, lists)
