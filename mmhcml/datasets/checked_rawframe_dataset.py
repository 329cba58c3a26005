"""MMAction2's ``RawframeDataset`` with explicit errors for bad input."""
import os
import os.path as osp
from typing import List

import numpy as np

from mmaction.datasets import RawframeDataset
from mmaction.registry import DATASETS
from .video_checks import LabelledListMixin, _listing

__all__ = ['CheckedRawframeDataset']


@DATASETS.register_module()
class CheckedRawframeDataset(LabelledListMixin, RawframeDataset):
    """A ``frame_dir total_frames label`` list whose problems are reported
    early (the Something-Something V1 configs use it).

    * an annotation line with the wrong number of columns, a frame count or
      label that is not an integer, or a label outside
      ``0 .. num_classes - 1`` raises a ``ValueError`` naming the file, the
      line and the value, when the dataset is built;
    * a listed folder that is missing, or that holds fewer frames than the
      list claims (counted from ``start_index`` with ``filename_tmpl``),
      raises ``FileNotFoundError`` listing each with the claimed and the
      found count (``check_files``), when the dataset is built;
    * a frame that cannot be read (zero bytes, corrupt or truncated jpg)
      raises :class:`UnreadableVideoError` naming the frame file when the
      clip is loaded; so does a clip longer than the folder
      (``short_video``).

    With ``skip_unreadable=True`` such folders are skipped in training
    instead, each one logged and counted in ``self.skipped``; test mode
    never skips.

    Args:
        num_classes (int, optional): Labels must be below it. Defaults to
            ``None``.
        skip_unreadable (bool): Skip rather than raise (training only).
            Defaults to ``False``.
        check_files (bool): Check every folder's frames when building (one
            directory listing per folder). Defaults to ``True``.
        short_video (str): ``'error'``, ``'skip'`` or ``'loop'``, see
            :class:`CheckedVideoDataset`. Defaults to ``'error'``.
        **kwargs: Arguments of ``RawframeDataset`` (``filename_tmpl``,
            ``start_index``, ``with_offset``, ...).
    """

    def load_data_list(self) -> List[dict]:
        columns = 4 if self.with_offset else 3
        layout = ('frame_dir offset total_frames label'
                  if self.with_offset else 'frame_dir total_frames label')
        data_list, lines = [], []
        for number, line in self._annotation_lines():
            fields = line.split()
            where = f'{self.ann_file}:{number}'
            if len(fields) != columns:
                raise ValueError(
                    f'{where}: expected "{layout}" ({columns} columns), got '
                    f'{len(fields)} in {line!r}')
            numbers = []
            for name, text in zip(layout.split()[1:], fields[1:]):
                try:
                    numbers.append(int(text))
                except ValueError:
                    raise ValueError(f'{where}: {name} must be an integer, '
                                     f'got {text!r}') from None
            *counts, label = numbers
            if counts[-1] < 1:
                raise ValueError(
                    f'{where}: total_frames must be >= 1, got {counts[-1]}')
            self._check_label(where, label)
            frame_dir = fields[0]
            if self.data_prefix['img'] is not None:
                frame_dir = osp.join(self.data_prefix['img'], frame_dir)
            info = dict(frame_dir=frame_dir, total_frames=counts[-1],
                        label=label)
            if self.with_offset:
                info['offset'] = counts[0]
            data_list.append(info)
            lines.append(number)
        self._require_entries(data_list)
        return self._check_folders(data_list, lines)

    def _frame_name(self, info: dict, index: int) -> str:
        return self.filename_tmpl.format(index + info.get('offset', 0))

    def _check_folders(self, data_list: List[dict],
                       lines: List[int]) -> List[dict]:
        """Drop (or refuse) entries whose folder is missing or short."""
        self._listed = len(data_list)
        if not self.check_files:
            return data_list
        kept, bad = [], []
        for info, line in zip(data_list, lines):
            folder, claimed = info['frame_dir'], info['total_frames']
            reason = None
            if not osp.isdir(folder):
                reason = 'folder missing'
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
        return kept

    def _explain_failure(self, data: dict, path: str, reason: str) -> str:
        """Name the first frame of the clip that cannot be read."""
        import cv2
        indices = np.asarray(data.get('frame_inds', ()), dtype=np.int64)
        tmpl = data.get('filename_tmpl', self.filename_tmpl)
        offset = data.get('offset', 0)
        for index in indices.reshape(-1):
            frame = osp.join(path, tmpl.format(int(index) + offset))
            if not osp.isfile(frame):
                problem = 'missing'
            elif osp.getsize(frame) == 0:
                problem = 'a zero-byte file'
            elif cv2.imdecode(np.fromfile(frame, np.uint8),
                              cv2.IMREAD_COLOR) is None:
                problem = 'not a decodable image (corrupt or truncated)'
            else:
                continue
            return (f'cannot load frame {frame!r} of rawframe folder '
                    f'{path!r}: it is {problem} ({reason}). Re-extract the '
                    'folder\'s frames, or set skip_unreadable=True in the '
                    'dataset config to skip such folders during training.')
        return (f'cannot load rawframe folder {path!r}: {reason}. Set '
                'skip_unreadable=True in the dataset config to skip such '
                'folders during training.')
