"""Unlabelled videos for the self-supervised stages (section 3.2, D.2).

The self-supervised stages learn motion from raw clips, so their dataset
needs no labels: a plain list of video files or of rawframe folders, one per
line. MMAction2 annotation lists work too (``path label`` or
``frame_dir total_frames label``): everything after the path is ignored,
except a rawframe folder's frame count, which saves counting its files.
"""
import os
import os.path as osp
from typing import Callable, List, Union

from mmaction.datasets import BaseActionDataset
from mmaction.registry import DATASETS
from mmaction.utils import ConfigType
from .rawframe_checks import RawframeCheckMixin
from .video_checks import VideoCheckMixin

__all__ = ['UnlabelledVideoDataset', 'DATA_TYPES']

#: Allowed values of ``data_type``.
DATA_TYPES = ('video', 'rawframes')


@DATASETS.register_module()
class UnlabelledVideoDataset(VideoCheckMixin, RawframeCheckMixin,
                             BaseActionDataset):
    """A list of videos (or rawframe folders) without labels.

    The checks of :class:`CheckedVideoDataset` and
    :class:`CheckedRawframeDataset` apply: missing or empty videos, and
    rawframe folders that are missing or hold fewer frames than listed, are
    reported (or skipped) when the dataset is built; a video that cannot be
    decoded, or a frame that cannot be read (named), when it is loaded.
    Pipeline counts and sizes of the wrong type (``clip_len='8'``) are
    refused when it is built.

    Args:
        ann_file (str): Text file, one video path or rawframe folder per
            line, relative to ``data_prefix``.
        pipeline (list): Data transforms, as for ``VideoDataset`` /
            ``RawframeDataset``.
        data_prefix (dict): ``dict(video=...)`` for videos or
            ``dict(img=...)`` for rawframes. Defaults to ``dict(video='')``.
        data_type (str): ``'video'`` or ``'rawframes'``. Defaults to
            ``'video'``.
        filename_tmpl (str): Frame file name template of rawframe folders.
            Defaults to ``'img_{:05}.jpg'``.
        start_index (int): Index of the first frame. Defaults to ``0`` for
            videos; Something-V1 rawframes start at ``1``.
        skip_unreadable (bool): Skip (and log) missing, empty, broken or
            too short videos instead of raising. Defaults to ``False``.
        check_files (bool): Check every listed video exists and is not
            empty when building. Defaults to ``True``.
        short_video (str): ``'error'``, ``'skip'`` or ``'loop'``, see
            :class:`CheckedVideoDataset`. Defaults to ``'error'``.
        **kwargs: Other arguments of :class:`BaseActionDataset`.
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: List[Union[ConfigType, Callable]],
                 data_prefix: ConfigType = dict(video=''),
                 data_type: str = 'video',
                 filename_tmpl: str = 'img_{:05}.jpg',
                 start_index: int = 0,
                 skip_unreadable: bool = False,
                 check_files: bool = True,
                 short_video: str = 'error',
                 **kwargs) -> None:
        self._set_checks(skip_unreadable, check_files, short_video)
        if data_type not in DATA_TYPES:
            raise ValueError(f'data_type must be one of {DATA_TYPES}, got '
                             f'{data_type!r}')
        key = 'video' if data_type == 'video' else 'img'
        if key not in data_prefix:
            raise ValueError(f'data_type={data_type!r} needs data_prefix='
                             f'dict({key}=...), got {dict(data_prefix)!r}')
        self.data_type = data_type
        self.filename_tmpl = filename_tmpl
        if not isinstance(filename_tmpl, str) or filename_tmpl.count('{') != 1:
            raise ValueError("filename_tmpl must be a frame file name with "
                             "one '{}', e.g. 'img_{:05}.jpg', got "
                             f'{filename_tmpl!r}')
        if not isinstance(start_index, int) or start_index < 0:
            raise ValueError('start_index must be an int >= 0, got '
                             f'{start_index!r}')
        self._check_pipeline(pipeline)
        super().__init__(
            ann_file,
            pipeline=pipeline,
            data_prefix=data_prefix,
            start_index=start_index,
            **kwargs)

    def _count_frames(self, frame_dir: str) -> int:
        """Frames in ``frame_dir`` (0 when it is missing: the folder check
        reports it with its line)."""
        if not osp.isdir(frame_dir):
            return 0
        suffix = osp.splitext(self.filename_tmpl)[1]
        return sum(1 for f in os.listdir(frame_dir) if f.endswith(suffix))

    def load_data_list(self) -> List[dict]:
        """One ``dict(filename=...)`` or ``dict(frame_dir, total_frames)``
        per line; raises on an empty list."""
        data_list, lines = [], []
        for line_no, line in self._annotation_lines():
            fields = line.split()
            lines.append(line_no)
            if self.data_type == 'video':
                data_list.append(
                    dict(
                        filename=osp.join(self.data_prefix['video'],
                                          fields[0])))
                continue
            frame_dir = osp.join(self.data_prefix['img'], fields[0])
            if len(fields) > 1 and fields[1].isdigit():
                total = int(fields[1])
            else:
                total = self._count_frames(frame_dir)
            data_list.append(dict(frame_dir=frame_dir, total_frames=total,
                                  filename_tmpl=self.filename_tmpl))
        self._require_entries(data_list)
        if self.data_type == 'video':
            return self._check_files(data_list, 'filename', lines)
        return self._check_folders(data_list, lines)

    def _explain_failure(self, data: dict, path: str, reason: str) -> str:
        if self.data_type == 'rawframes':
            return self._explain_rawframe_failure(data, path, reason)
        return super()._explain_failure(data, path, reason)

    def get_data_info(self, idx: int) -> dict:
        info = super().get_data_info(idx)
        info.setdefault('filename_tmpl', self.filename_tmpl)
        return info
