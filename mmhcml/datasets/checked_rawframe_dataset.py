"""MMAction2's ``RawframeDataset`` with explicit errors for bad input."""
import os.path as osp
from typing import List

from mmaction.datasets import RawframeDataset
from mmaction.registry import DATASETS
from .rawframe_checks import RawframeCheckMixin
from .video_checks import LabelledListMixin

__all__ = ['CheckedRawframeDataset']


@DATASETS.register_module()
class CheckedRawframeDataset(LabelledListMixin, RawframeCheckMixin,
                             RawframeDataset):
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

    def _explain_failure(self, data: dict, path: str, reason: str) -> str:
        """Name the first frame of the clip that cannot be read."""
        return self._explain_rawframe_failure(data, path, reason)
