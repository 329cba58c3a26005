"""MMAction2's ``VideoDataset`` with explicit errors for bad input."""
import os.path as osp
from typing import List

from mmaction.datasets import VideoDataset
from mmaction.registry import DATASETS
from .video_checks import LabelledListMixin

__all__ = ['CheckedVideoDataset']


@DATASETS.register_module()
class CheckedVideoDataset(LabelledListMixin, VideoDataset):
    """A ``path label`` video list whose problems are reported early.

    * an annotation line without a label column, with a label that is not an
      integer, or with a label outside ``0 .. num_classes - 1`` raises a
      ``ValueError`` naming the file, the line and the value, when the
      dataset is built;
    * a listed video that is missing or empty raises ``FileNotFoundError``
      listing them (``check_files``), when the dataset is built;
    * a video that cannot be decoded, or is shorter than a clip, raises
      :class:`UnreadableVideoError` naming it when it is loaded.

    With ``skip_unreadable=True``, unusable videos are skipped in training
    instead, each one logged and counted in ``self.skipped``.

    Args:
        num_classes (int, optional): Labels must be below it. Defaults to
            ``None`` (only checked to be >= 0).
        skip_unreadable (bool): Skip rather than raise. Defaults to
            ``False``.
        check_files (bool): Check existence and size of every video when
            building. Defaults to ``True``.
        short_video (str): ``'error'``, ``'skip'`` or ``'loop'`` (MMAction2's
            behaviour: the sampler repeats frames). Defaults to ``'error'``.
        **kwargs: Arguments of ``VideoDataset``.
    """

    def load_data_list(self) -> List[dict]:
        data_list, lines = [], []
        for number, line in self._annotation_lines():
            fields = line.split(self.delimiter)
            where = f'{self.ann_file}:{number}'
            if len(fields) != 2:
                raise ValueError(
                    f'{where}: expected "path label" (2 columns), got '
                    f'{len(fields)} in {line!r}')
            path, label = fields
            try:
                label = int(label)
            except ValueError:
                raise ValueError(f'{where}: label must be an integer, got '
                                 f'{label!r}') from None
            self._check_label(where, label)
            if self.data_prefix['video'] is not None:
                path = osp.join(self.data_prefix['video'], path)
            data_list.append(dict(filename=path, label=label))
            lines.append(number)
        self._require_entries(data_list)
        return self._check_files(data_list, 'filename', lines)
