"""Early, explicit errors for bad video inputs, shared by the datasets.

A video that is missing or empty is found when the dataset is built; one
that cannot be decoded (truncated, not a video) or that is shorter than the
frames a clip needs is found when it is loaded. Either raises an error that
names the file, or, with ``skip_unreadable=True``, is skipped: every skipped
path is logged with its reason and counted in ``dataset.skipped``; an entry
listed several times is decoded once, and MMEngine's refetch never draws a
known-bad entry again. Pipeline counts and sizes of the wrong type, a
``num_classes`` that is not an int, and a flip label map beyond
``num_classes`` are refused when the dataset is built; repeated entries of a
test list are warned about; :func:`check_dataset_labels` compares the labels
with the classifier's ``num_classes`` before training.
"""
import os.path as osp
from collections import defaultdict
from typing import Dict, Iterator, List, Optional, Tuple

import numpy as np
from mmengine.fileio import exists, list_from_file
from mmengine.logging import print_log

__all__ = [
    'UnreadableVideoError', 'AllEntriesSkippedError', 'VideoCheckMixin',
    'LabelledListMixin', 'SHORT_VIDEO_POLICIES', 'check_num_classes',
    'check_dataset_labels'
]

#: What to do with a video shorter than a clip: raise, skip it (training
#: only), or let the sampler loop over its frames as MMAction2 does.
SHORT_VIDEO_POLICIES = ('error', 'skip', 'loop')

#: Pipeline arguments that are counts (ints >= 1) and sizes (ints or tuples
#: of numbers); a string there (``clip_len='8'``) would fail only when a
#: clip is loaded, reported as a decoding failure.
_COUNTS = ('clip_len', 'frame_interval', 'num_clips')
_SIZES = ('size', 'crop_size', 'scale')


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(
        value, bool)


def check_num_classes(num_classes, owner: str) -> None:
    """``ValueError`` unless ``num_classes`` is ``None`` or an int >= 1."""
    if num_classes is not None and not (_is_int(num_classes)
                                        and num_classes >= 1):
        raise ValueError(
            f'{owner}: num_classes must be an int >= 1 (a number in the '
            f'config, not a string), got {num_classes!r} '
            f'({type(num_classes).__name__})')


def _listing(entries: List[str], limit: int) -> str:
    """The first ``limit`` entries, one per indented line, and how many
    more there are."""
    more = (f'\n  ... {len(entries) - limit} more'
            if len(entries) > limit else '')
    return '\n  '.join(entries[:limit]) + more


class UnreadableVideoError(RuntimeError):
    """A video that cannot be used; the message names the file."""


class _ShortVideoError(UnreadableVideoError):
    """A video shorter than a clip (``short_video`` decides)."""


class AllEntriesSkippedError(RuntimeError):
    """``skip_unreadable`` skipped every entry of an annotation list."""


class VideoCheckMixin:
    """Adds file checks and robust loading to an MMAction2 video dataset.

    The class using it sets ``skip_unreadable`` and ``check_files`` before
    ``super().__init__`` and calls :meth:`_check_files` at the end of its
    ``load_data_list``.
    """

    skip_unreadable: bool = False
    check_files: bool = True
    short_video: str = 'error'

    def _set_checks(self, skip_unreadable: bool, check_files: bool,
                    short_video: str) -> None:
        if short_video not in SHORT_VIDEO_POLICIES:
            raise ValueError(f'short_video must be one of '
                             f'{SHORT_VIDEO_POLICIES}, got {short_video!r}')
        for name, value in (('skip_unreadable', skip_unreadable),
                            ('check_files', check_files)):
            if not isinstance(value, bool):
                raise ValueError(f'{name} must be True or False, got '
                                 f'{value!r} ({type(value).__name__})')
        self.skip_unreadable = bool(skip_unreadable)
        self.check_files = bool(check_files)
        self.short_video = short_video
        self.skipped: Dict[str, str] = {}
        self._listed = 0
        self._lines: List[int] = []

    def _check_pipeline(self, steps=None) -> None:
        """``ValueError`` naming a pipeline argument of the wrong type.

        Counts (``clip_len``, ``frame_interval``, ``num_clips``) must be
        ints >= 1 and sizes (``size``, ``crop_size``, ``scale``) numbers,
        and a ``flip_label_map`` must map the labels below ``num_classes``
        to labels below it. Called with the pipeline's config dicts before
        the transforms are built (some raise a bare ``TypeError`` there),
        and with the built transforms when the list is read.

        Args:
            steps (list, optional): Pipeline config dicts; defaults to the
                built ``self.pipeline.transforms``.
        """
        num_classes = getattr(self, 'num_classes', None)
        if steps is None:
            steps = self.pipeline.transforms

        def get(step, name):
            return step.get(name) if isinstance(step, dict) else getattr(
                step, name, None)

        for index, step in enumerate(steps):
            kind = step.get('type') if isinstance(step, dict) else type(
                step).__name__
            kind = getattr(kind, '__name__', kind)
            where = f'{type(self).__name__} pipeline step {index} ({kind})'
            for name in _COUNTS:
                value = get(step, name)
                if value is not None and not (_is_int(value) and value >= 1):
                    raise ValueError(
                        f'{where}: {name} must be an int >= 1 (a number in '
                        f'the config, not a string), got {value!r} '
                        f'({type(value).__name__}); e.g. {name}=8')
            for name in _SIZES:
                value = get(step, name)
                values = value if isinstance(value, (tuple, list)) else (
                    value, )
                if value is not None and not all(
                        isinstance(v, (int, float, np.number)) and
                        not isinstance(v, bool) for v in values):
                    raise ValueError(
                        f'{where}: {name} must be a number or a tuple of '
                        f'numbers (not strings), got {value!r}')
            mapping = get(step, 'flip_label_map')
            if mapping and _is_int(num_classes):
                wrong = sorted((k, v) for k, v in mapping.items()
                               if 0 <= k < num_classes and not
                               0 <= v < num_classes)
                if wrong:
                    raise ValueError(
                        f'{where}: flip_label_map maps label {wrong[0][0]} to '
                        f'{wrong[0][1]}, outside 0 .. {num_classes - 1} '
                        f'(num_classes={num_classes}): a map written for '
                        'another label set. Remove flip_label_map (or '
                        'write one for these classes).')

    def _warn_repeated(self, data_list: List[dict], key: str,
                       lines: Optional[List[int]]) -> None:
        """Warn about entries a test list holds more than once: each would
        be scored as many times as it is listed."""
        if not self.test_mode:
            return
        where = defaultdict(list)
        for index, info in enumerate(data_list):
            where[info[key]].append(lines[index] if lines else index + 1)
        repeated = {p: n for p, n in where.items() if len(n) > 1}
        if repeated:
            shown = [f'{p} (lines {", ".join(map(str, n))})'
                     for p, n in repeated.items()]
            print_log(
                f'{type(self).__name__}: {len(repeated)} entr'
                f'{"y is" if len(repeated) == 1 else "ies are"} listed more '
                f'than once in the test list {self.ann_file}; each is scored '
                'as many times as it is listed, which weights it in the '
                f'metrics:\n  {_listing(shown, 5)}',
                logger='current',
                level=30)

    def _annotation_lines(self) -> Iterator[Tuple[int, str]]:
        """``(line number, stripped text)`` of each non-blank line.

        The file is read as UTF-8; a byte-order mark at its start is
        dropped (it would otherwise become part of the first path). The
        pipeline's arguments are checked first (:meth:`_check_pipeline`).
        """
        self._check_pipeline()
        if not exists(self.ann_file):
            raise FileNotFoundError(
                f'annotation file {self.ann_file!r} does not exist')
        try:
            lines = list_from_file(self.ann_file, encoding='utf-8-sig')
        except UnicodeDecodeError as error:
            line = error.object[:error.start].count(b'\n') + 1
            byte = error.object[error.start:error.start + 1]
            raise ValueError(
                f'annotation file {self.ann_file!r} is not UTF-8 text: byte '
                f'{error.start} (line {line}) is {byte!r}. '
                'Is it a binary file (a video or a pickle given as ann_file?) '
                'or in another encoding? Re-save it as UTF-8, e.g. '
                '`iconv -f latin1 -t utf-8 in.txt > out.txt`.') from None
        for number, line in enumerate(lines, 1):
            if line.strip():
                yield number, line.strip()

    def _require_entries(self, data_list: List[dict]) -> None:
        if not data_list:
            raise ValueError(f'annotation file {self.ann_file!r} lists no '
                             'videos')

    @property
    def _skips(self) -> bool:
        """Whether unusable entries are skipped: never in test mode."""
        return self.skip_unreadable and not self.test_mode

    def _skip(self, path: str, reason: str) -> None:
        if path not in self.skipped:
            self.skipped[path] = reason
            print_log(
                f'{type(self).__name__}: skipping {path!r} ({reason}); '
                f'{len(self.skipped)} skipped so far',
                logger='current',
                level=30)
        if self._listed and len(self.skipped) >= self._listed:
            skipped = [f'{p}: {r}' for p, r in self.skipped.items()]
            raise AllEntriesSkippedError(
                f'skip_unreadable=True skipped every one of the '
                f'{self._listed} entries listed in {self.ann_file}, so there '
                f'is nothing left to load:\n  {_listing(skipped, 5)}\nCheck '
                'data_prefix and the list, or the files themselves.')

    def _check_files(self, data_list: List[dict], key: str,
                     lines: Optional[List[int]] = None) -> List[dict]:
        """Drop (or refuse) entries whose ``key`` file is missing or empty.

        Test mode never drops: there, every problem raises.
        """
        self._listed = len({info[key] for info in data_list})
        self._warn_repeated(data_list, key, lines)
        lines = lines or list(range(1, len(data_list) + 1))
        self._lines = lines
        if not self.check_files:
            return data_list
        kept, kept_lines, bad = [], [], []
        for index, info in enumerate(data_list):
            path = info[key]
            if osp.isdir(path):
                reason = 'a directory, not a video file'
            elif not osp.isfile(path):
                reason = 'missing'
            elif osp.getsize(path) == 0:
                reason = 'empty file'
            else:
                kept.append(info)
                kept_lines.append(lines[index])
                continue
            line = lines[index]
            bad.append(f'{path} ({reason}, {self.ann_file}:{line})')
            if self._skips:
                self._skip(path, reason)
        if bad and not self._skips:
            hint = ('Test runs never skip: fix the list' if self.test_mode
                    else 'Fix the list or set skip_unreadable=True in the '
                    'dataset config to skip them in training')
            raise FileNotFoundError(
                f'{len(bad)} video(s) listed in {self.ann_file} cannot be '
                f'read:\n  {_listing(bad, 10)}\n{hint}.')
        self._lines = kept_lines
        return kept

    def _frames_needed(self) -> int:
        if self.short_video == 'loop':
            return 1
        for transform in self.pipeline.transforms:
            if hasattr(transform, 'clip_len') and hasattr(
                    transform, 'frame_interval'):
                return transform.clip_len * transform.frame_interval
        return 1

    def prepare_data(self, idx: int):
        """Run the pipeline; a broken or too short video is named (or
        skipped when ``skip_unreadable``; test mode never skips)."""
        data = self.get_data_info(idx)
        path = data.get('filename', data.get('frame_dir', f'item {idx}'))
        if path in self.skipped and not self.test_mode:
            return None  # known bad (e.g. listed again): not decoded twice
        needed = self._frames_needed()
        skip = self.skip_unreadable or self.short_video == 'skip'
        try:
            for transform in self.pipeline.transforms:
                data = transform(data)
                if data is None:
                    return None
                total = data.get('total_frames')
                if total is not None and total < needed:
                    raise _ShortVideoError(
                        f'video {path!r} has {total} frames, fewer than the '
                        f'{needed} a clip needs (clip_len x frame_interval); '
                        "set short_video='loop' to repeat its frames or "
                        "'skip' to leave it out of training")
        except Exception as error:
            reason = f'{type(error).__name__}: {error}'
            short = isinstance(error, _ShortVideoError)
            if not self.test_mode and (self.skip_unreadable or
                                       (short and skip)):
                self._skip(path, reason)
                return None
            if isinstance(error, UnreadableVideoError):
                raise
            raise UnreadableVideoError(
                self._explain_failure(data, path, reason)) from error
        return data

    def _rand_another(self) -> int:
        """Another index for MMEngine's refetch after a skipped entry: one
        whose file is not known to be bad, so that an entry listed several
        times cannot use up the refetch budget (``max_refetch``)."""

        def usable(index: int) -> bool:
            info = self.get_data_info(index)
            return info.get('filename',
                            info.get('frame_dir')) not in self.skipped

        for _ in range(64):
            index = int(np.random.randint(0, len(self)))
            if usable(index):
                return index
        good = [i for i in range(len(self)) if usable(i)]
        return int(np.random.choice(good)) if good else 0

    def _explain_failure(self, data: dict, path: str, reason: str) -> str:
        """The message of an entry the pipeline failed on.

        Args:
            data (dict): The pipeline's state when it failed (the input of
                the transform that raised).
            path (str): The video (or rawframe folder).
            reason (str): ``'<error type>: <message>'``.
        """
        return (
            f'cannot load video {path!r}: {reason}. The decoder could not '
            'read it: the file may be truncated or not a video, or use a '
            'codec, pixel format or frame size the decoder does not support '
            '(re-encoding fixes those, e.g. `ffmpeg -i IN -c:v libx264 '
            '-pix_fmt yuv420p -vf "scale=trunc(iw/2)*2:trunc(ih/2)*2" '
            'OUT.mp4`). Set skip_unreadable=True in the dataset config to '
            'skip unreadable videos during training.')


class LabelledListMixin(VideoCheckMixin):
    """:class:`VideoCheckMixin` for a labelled, single-label list dataset
    (``CheckedVideoDataset``, ``CheckedRawframeDataset``): the checks'
    arguments and the label check shared by their ``load_data_list``.

    It is listed first among the bases of the dataset class, before the
    MMAction2 dataset it checks.
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: list,
                 num_classes: Optional[int] = None,
                 skip_unreadable: bool = False,
                 check_files: bool = True,
                 short_video: str = 'error',
                 **kwargs) -> None:
        self._set_checks(skip_unreadable, check_files, short_video)
        owner = next(c for c in type(self).__mro__
                     if LabelledListMixin in c.__bases__)
        if kwargs.get('multi_class'):
            plain = owner.__bases__[-1]  # the MMAction2 dataset it checks
            raise ValueError(f'{owner.__name__} reads single-label lists; '
                             f'use {plain.__name__} for multi_class=True')
        check_num_classes(num_classes, owner.__name__)
        self.num_classes = num_classes
        self._check_pipeline(pipeline)
        super().__init__(ann_file, pipeline, num_classes=num_classes,
                         **kwargs)

    def _check_label(self, where: str, label: int) -> None:
        """``ValueError`` naming ``where`` (``file:line``) unless ``label``
        is in ``0 .. num_classes - 1`` (``>= 0`` without ``num_classes``)."""
        if label < 0 or (self.num_classes is not None
                         and label >= self.num_classes):
            raise ValueError(
                f'{where}: unknown label {label} (num_classes='
                f'{self.num_classes})')

    def filter_data(self) -> List[dict]:
        """MMEngine's ``filter_data``; keeps the labels as an array for
        :meth:`check_labels_below` (the list itself is serialised)."""
        data_list = super().filter_data()
        self._label_array = np.array(
            [info.get('label', 0) for info in data_list], dtype=np.int64)
        return data_list

    def check_labels_below(self, num_classes: int, owner: str) -> None:
        """``ValueError`` naming the first list line whose label is not
        below ``num_classes`` (the classifier's), and the flip label map
        checked against it too.

        Args:
            num_classes (int): Number of classes of the model's head.
            owner (str): What ``num_classes`` belongs to, for the message
                (e.g. ``'model.cls_head.num_classes'``).
        """
        labels = getattr(self, '_label_array', None)
        if labels is None or len(labels) != len(self):
            labels = np.array([
                self.get_data_info(i).get('label', 0)
                for i in range(len(self))
            ], dtype=np.int64)
        wrong = np.flatnonzero((labels < 0) | (labels >= num_classes))
        if len(wrong):
            index, label = int(wrong[0]), int(labels[wrong[0]])
            line = self._lines[index] if index < len(self._lines) else \
                index + 1
            raise ValueError(
                f'{self.ann_file}:{line}: label {label} is outside 0 .. '
                f'{num_classes - 1}: {owner}={num_classes}. Set the head\'s '
                'num_classes to the number of classes of the list (and the '
                'dataset\'s num_classes with it), or fix the list.')
        saved, self.num_classes = self.num_classes, num_classes
        try:
            self._check_pipeline()
        finally:
            self.num_classes = saved


def check_dataset_labels(dataset, num_classes: int, owner: str) -> None:
    """``ValueError`` naming the first entry of ``dataset`` whose label is
    not below ``num_classes``.

    The checked datasets name the list file and line (and check their flip
    label map too); other MMAction2 datasets name the list and the entry.

    Args:
        dataset: A built dataset (``get_data_info`` and ``len``).
        num_classes (int): The classifier's number of classes.
        owner (str): What ``num_classes`` belongs to, for the message.
    """
    if isinstance(dataset, LabelledListMixin):
        dataset.check_labels_below(num_classes, owner)
        return
    if not hasattr(dataset, 'get_data_info'):
        return
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        label = info.get('label')
        if _is_int(label) and not 0 <= label < num_classes:
            path = info.get('filename', info.get('frame_dir', ''))
            raise ValueError(
                f'{getattr(dataset, "ann_file", "the dataset")}: entry '
                f'{index + 1} ({path}) has label {label}, outside 0 .. '
                f'{num_classes - 1}: {owner}={num_classes}. Set the head\'s '
                'num_classes to the number of classes of the list, or fix '
                'the list.')
