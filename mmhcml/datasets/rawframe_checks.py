"""Checks of rawframe folders and frame files, shared by the labelled and
the unlabelled rawframe datasets and by :class:`CheckedRawFrameDecode`.

A folder that is missing or holds fewer frames than the list claims is
found when the dataset is built; a frame that cannot be read (zero bytes,
corrupt or truncated jpg) is named when its clip is loaded.
"""
import os
import os.path as osp
from typing import List, Optional, Tuple

import numpy as np

from .video_checks import _listing

__all__ = ['RawframeCheckMixin', 'frame_problem', 'first_bad_frame']


def frame_problem(path: str, decode: bool = True) -> Optional[str]:
    """Why the frame file ``path`` cannot be used, or ``None``.

    Args:
        path (str): A frame file.
        decode (bool): Also try to decode it with OpenCV. Defaults to
            ``True``.
    """
    if not osp.isfile(path):
        return 'missing'
    if osp.getsize(path) == 0:
        return 'a zero-byte file'
    if decode:
        import cv2
        if cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_COLOR) is None:
            return 'not a decodable image (corrupt or truncated)'
    return None


def first_bad_frame(folder: str, tmpl: str, indices, offset: int = 0,
                    decode: bool = True) -> Optional[Tuple[str, str]]:
    """``(frame path, problem)`` of the first unusable frame of a clip.

    Args:
        folder (str): The rawframe folder.
        tmpl (str): Its frame file name template, e.g. ``'img_{:05}.jpg'``.
        indices: The clip's frame indices (``frame_inds``).
        offset (int): Added to each index. Defaults to ``0``.
        decode (bool): Also try to decode each frame. Defaults to ``True``.
    """
    seen = set()
    for index in np.asarray(indices, dtype=np.int64).reshape(-1):
        frame = osp.join(folder, tmpl.format(int(index) + offset))
        if frame in seen:
            continue
        seen.add(frame)
        problem = frame_problem(frame, decode)
        if problem is not None:
            return frame, problem
    return None


class RawframeCheckMixin:
    """Folder checks when built and frame names when loaded, for a dataset
    whose entries are ``dict(frame_dir, total_frames[, offset,
    filename_tmpl])``.

    The class using it also uses :class:`~.video_checks.VideoCheckMixin`
    and has ``filename_tmpl``, ``start_index``, ``ann_file``, ``test_mode``.
    """

    def _frame_name(self, info: dict, index: int) -> str:
        tmpl = info.get('filename_tmpl', self.filename_tmpl)
        return tmpl.format(index + info.get('offset', 0))

    def _check_folders(self, data_list: List[dict],
                       lines: List[int]) -> List[dict]:
        """Drop (or refuse) entries whose folder is missing or short."""
        self._listed = len({info['frame_dir'] for info in data_list})
        self._warn_repeated(data_list, 'frame_dir', lines)
        self._lines = lines
        if not self.check_files:
            return data_list
        kept, kept_lines, bad = [], [], []
        for info, line in zip(data_list, lines):
            folder, claimed = info['frame_dir'], info['total_frames']
            reason = None
            if not osp.isdir(folder):
                reason = 'folder missing'
            elif claimed < 1:
                reason = ('no frame named like '
                          f'{self._frame_name(info, self.start_index)}')
            else:
                names = set(os.listdir(folder))
                wanted = [
                    self._frame_name(info, self.start_index + i)
                    for i in range(claimed)
                ]
                absent = [n for n in wanted if n not in names]
                if absent:
                    reason = (f'the list claims {claimed} frames, '
                              f'{claimed - len(absent)} of them found; first '
                              f'missing: {absent[0]}')
            if reason is None:
                kept.append(info)
                kept_lines.append(line)
                continue
            bad.append(f'{folder} ({reason}, {self.ann_file}:{line})')
            if self._skips:
                self._skip(folder, reason)
        if bad and not self._skips:
            hint = ('Test runs never skip: fix the list or the folders'
                    if self.test_mode else
                    'Fix the list or the folders, or set '
                    'skip_unreadable=True in the dataset config to skip them '
                    'in training')
            raise FileNotFoundError(
                f'{len(bad)} rawframe folder(s) listed in {self.ann_file} '
                f'cannot be used (filename_tmpl={self.filename_tmpl!r}, '
                f'start_index={self.start_index}):\n  {_listing(bad, 10)}\n'
                f'{hint}.')
        self._lines = kept_lines
        return kept

    def _explain_rawframe_failure(self, data: dict, path: str,
                                  reason: str) -> str:
        """Name the first frame of the clip that cannot be read."""
        bad = first_bad_frame(
            path, data.get('filename_tmpl', self.filename_tmpl),
            data.get('frame_inds', ()), data.get('offset', 0))
        if bad is not None:
            return (f'cannot load frame {bad[0]!r} of rawframe folder '
                    f'{path!r}: it is {bad[1]} ({reason}). Re-extract the '
                    'folder\'s frames, or set '
                    'skip_unreadable=True in the dataset config to skip such '
                    'folders during training.')
        return (f'cannot load rawframe folder {path!r}: {reason}. Set '
                'skip_unreadable=True in the dataset config to skip such '
                'folders during training.')
