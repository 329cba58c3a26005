"""Named settings of a run: small runs without positional overrides.

The paper configs spell their data, clip and schedule settings out in many
places (every pipeline, every dataloader, the classifier, the learning-rate
schedule). A named setting in ``--cfg-options`` changes all of them at once::

    python tools/train.py configs/hcml/joint_sthv1.py --cfg-options \\
        data_root=data/tiny/rawframes ann_file_train=data/tiny/train.txt \\
        ann_file_val=data/tiny/val.txt num_classes=4 clip_len=8 \\
        input_size=64 max_epochs=1 batch_size=2 num_workers=0

=================  ========================================================
name               what it changes
=================  ========================================================
``data_root``,     every dataset path (``ann_file``, ``data_prefix``) that
``data_root_*``,   is, or lies under, the config's value of the same
``ann_file_*``     top-level name (e.g. ``ann_file_val`` also moves the test
                   set, which reads the validation list)
``num_classes``    ``model.cls_head.num_classes``, the datasets'
                   ``num_classes``; pairs of a ``Flip`` ``flip_label_map``
                   with a label ``>= num_classes`` are dropped
``clip_len``       ``clip_len`` of every frame sampler (``SampleFrames``)
``frame_interval`` ``frame_interval`` of every frame sampler
``input_size``     the training crop's short side (a multiple of 32); every
                   other size of the pipelines (rescale ranges, resizes,
                   validation and test crops) scales with it, crops staying
                   multiples of the backbone's stride, e.g. for
                   Something-V1 224 -> 64: rescale (256, 320) -> (73, 91),
                   test resize and crop 256 -> 64
``max_epochs``     ``train_cfg.max_epochs``; the ``param_scheduler`` entries
``max_iters``      (warm-up, cosine) scale with it, so warm-up keeps its
                   share of the run (50 of 150 epochs -> 1/3 of 1 epoch)
``batch_size``     training and validation batch per process (testing
                   keeps one video per process)
``num_workers``    every dataloader's workers (``persistent_workers`` only
                   with workers)
=================  ========================================================

A place a config lacks is skipped (``num_classes`` of a self-supervised
stage changes only its datasets), so one set of named settings fits all
four configs of a schedule; a path setting without a top-level value of
that name, and ``max_epochs`` of an iteration-based loop (or ``max_iters``
of an epoch-based one), are refused with ``ValueError``. Positional overrides
(``train_dataloader.dataset.pipeline.3.size=64``) still work and are applied
after the named settings.
"""
import copy
from numbers import Number
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union

from mmengine.config import Config

__all__ = [
    'VALUE_KNOBS', 'is_knob', 'split_knobs', 'apply_knobs', 'read_config',
    'prune_flip_label_map', 'check_flip_label_maps',
    'fix_persistent_workers', 'fractional_epochs_to_iters',
    'count_test_views', 'views_text'
]

#: Named settings other than the path ones (``data_root*``, ``ann_file*``).
VALUE_KNOBS = ('num_classes', 'clip_len', 'frame_interval', 'input_size',
               'max_epochs', 'max_iters', 'batch_size', 'num_workers')
_LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
_SAMPLERS = ('SampleFrames', 'UniformSample', 'DenseSampleFrames',
             'UntrimmedSampleFrames')
#: Crop steps and their size argument, for finding the training crop.
_TRAIN_CROPS = {'RandomCrop': 'size', 'RandomCameraMotion': 'crop_size',
                'CenterCrop': 'crop_size', 'MultiScaleCrop': 'input_size'}
#: The crop sizes that scale with ``input_size`` (kept multiples of the
#: power of two, up to 32, that divides them: the backbone's stride), and
#: so do fixed resizes (``ThreeCrop`` needs its crop to equal the short
#: side the resize gives).
_CROP_SIZES = {'RandomCrop': ('size', ), 'RandomCameraMotion': ('crop_size', ),
               'CenterCrop': ('crop_size', ), 'ThreeCrop': ('crop_size', ),
               'TenCrop': ('crop_size', ), 'MultiScaleCrop': ('input_size', )}
#: The sizes that scale with ``input_size`` (the crops, ``Resize`` as a
#: crop, ``RandomRescale`` rounded).
_RESIZES = {'RandomRescale': ('scale_range', ), 'Resize': ('scale', )}
#: Views each crop step makes of a clip.
_CROP_VIEWS = {'ThreeCrop': 3, 'TenCrop': 10}


def is_knob(name: str) -> bool:
    """Whether a top-level ``--cfg-options`` key is a named setting."""
    return '.' not in name and (name in VALUE_KNOBS or name.startswith(
        ('data_root', 'ann_file')))


def split_knobs(options: Optional[dict]) -> Tuple[dict, dict]:
    """``(named settings, other options)`` of ``--cfg-options``."""
    options = dict(options or {})
    knobs = {k: v for k, v in options.items() if is_knob(k)}
    return knobs, {k: v for k, v in options.items() if k not in knobs}


def _datasets(node: Any) -> Iterator[dict]:
    """A dataset config and the datasets it wraps (``dataset``,
    ``datasets``)."""
    if not isinstance(node, dict):
        return
    yield node
    yield from _datasets(node.get('dataset'))
    for inner in node.get('datasets') or []:
        yield from _datasets(inner)


def _loader_datasets(cfg: Config) -> Iterator[Tuple[str, dict]]:
    for loader in _LOADERS:
        for dataset in _datasets((cfg.get(loader) or {}).get('dataset')):
            yield loader, dataset


def _steps(steps: Any) -> Iterator[dict]:
    """Pipeline steps, including those inside ``RandomApply`` & co."""
    for step in steps or []:
        if isinstance(step, dict):
            yield step
            yield from _steps(step.get('transforms'))


def _pipeline_steps(cfg: Config) -> Iterator[Tuple[str, dict]]:
    """``(where, step)`` of every step of the dataloaders' pipelines and of
    the top-level ``*_pipeline`` lists (MMAction2's ``inference_recognizer``
    reads ``test_pipeline``), each step once."""
    seen = set()
    sources = [(loader, dataset.get('pipeline'))
               for loader, dataset in _loader_datasets(cfg)]
    sources += [(key, cfg[key]) for key in list(cfg.keys())
                if key.endswith('_pipeline') and isinstance(cfg[key], list)]
    for where, pipeline in sources:
        for step in _steps(pipeline):
            if id(step) not in seen:
                seen.add(id(step))
                yield where, step


def _check_int(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f'{name} must be an int >= {low}, got {value!r}')
    return value


def _move_path(path: Any, moves: List[Tuple[str, str]]) -> Any:
    """``path`` with the longest matching old prefix replaced."""
    if not isinstance(path, str):
        return path
    for old, new in moves:
        if path == old:
            return new
        if path.startswith(old.rstrip('/') + '/'):
            return new.rstrip('/') + path[len(old.rstrip('/')):]
    return path


def _apply_paths(cfg: Config, knobs: dict, notes: List[str]) -> None:
    moves = []
    for name, new in knobs.items():
        if not name.startswith(('data_root', 'ann_file')):
            continue
        if not isinstance(new, str) or not new:
            raise ValueError(f'{name} must be a path, got {new!r}')
        old = cfg.get(name)
        if not isinstance(old, str) or not old:
            paths = sorted(k for k in cfg
                           if is_knob(k) and k not in VALUE_KNOBS)
            raise ValueError(
                f'{name}={new!r}: this config has no top-level {name} to '
                f'move; its path settings are {paths or "none"}')
        moves.append((old, new))
    # the longest old path first: data_root_val before data_root
    moves.sort(key=lambda m: len(m[0]), reverse=True)
    for _, dataset in _loader_datasets(cfg):
        if 'ann_file' in dataset:
            dataset['ann_file'] = _move_path(dataset['ann_file'], moves)
        prefix = dataset.get('data_prefix')
        if isinstance(prefix, dict):
            for key in list(prefix):
                prefix[key] = _move_path(prefix[key], moves)
        elif isinstance(prefix, str):
            dataset['data_prefix'] = _move_path(prefix, moves)
    if moves:
        notes.append('paths: ' + ', '.join(f'{o} -> {n}' for o, n in moves))


def prune_flip_label_map(label_map: dict, num_classes: int) -> dict:
    """The pairs of a flip label map whose labels are both classes."""
    return {k: v for k, v in label_map.items()
            if 0 <= int(k) < num_classes and 0 <= int(v) < num_classes}


def _apply_num_classes(cfg: Config, num_classes: int,
                       notes: List[str]) -> None:
    head = (cfg.get('model') or {}).get('cls_head')
    if isinstance(head, dict) and 'num_classes' in head:
        head['num_classes'] = num_classes
    for _, dataset in _loader_datasets(cfg):
        if 'num_classes' in dataset:
            dataset['num_classes'] = num_classes
    dropped = set()
    for _, step in _pipeline_steps(cfg):
        label_map = step.get('flip_label_map')
        if step.get('type') == 'Flip' and label_map:
            kept = prune_flip_label_map(label_map, num_classes)
            dropped.update(k for k in label_map if k not in kept)
            step['flip_label_map'] = kept or None
    if dropped:
        notes.append(f'Flip.flip_label_map: the pairs of labels '
                     f'{sorted(dropped)} were dropped (a label >= '
                     f'num_classes={num_classes})')


def _train_crop(cfg: Config) -> Optional[int]:
    """Short side of the training crop (or fixed resize)."""
    for loader, step in _pipeline_steps(cfg):
        if loader != 'train_dataloader':
            continue
        kind = step.get('type')
        size = step.get(_TRAIN_CROPS.get(kind, ''), None)
        if kind == 'Resize' and not step.get('keep_ratio', True):
            size = step.get('scale')
        if isinstance(size, int):
            return size
        if isinstance(size, (list, tuple)) and size:
            return min(size)
    return None


def _scale_size(value: Any, ratio: float, crop: bool = False) -> Any:
    """An int size, or each positive int of a tuple, times ``ratio``; ``-1``
    (keep the aspect) and float factors (``Resize(scale=1.5)``) stay.

    With ``crop`` (crops and fixed resizes), a size ``s`` stays a multiple
    of ``m``, the largest power of two up to 32 that divides ``s`` (the
    backbone's stride: 224 and 256 are multiples of 32), rounding down:
    256 x 64/224 = 73.1 -> 64.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if value <= 0:
            return value
        if not crop:
            return max(1, int(round(value * ratio)))
        step = min(32, value & -value)
        return max(step, int(value * ratio / step + 1e-6) * step)
    if isinstance(value, (list, tuple)):
        return type(value)(_scale_size(v, ratio, crop) for v in value)
    return value


def _apply_input_size(cfg: Config, size: int, notes: List[str]) -> None:
    old = _train_crop(cfg)
    if old is None:
        raise ValueError(
            f'input_size={size}: the training pipeline has no crop '
            f'({", ".join(_TRAIN_CROPS)}) or fixed-size Resize to scale from')
    ratio = size / old
    for _, step in _pipeline_steps(cfg):
        kind = step.get('type')
        crop = kind in _CROP_SIZES or kind == 'Resize'
        for key in {**_CROP_SIZES, **_RESIZES}.get(kind, ()):
            if key in step:
                step[key] = _scale_size(step[key], ratio, crop)
    notes.append(f'input_size {old} -> {size}: every pipeline size x '
                 f'{ratio:.3g} (crops and resizes kept multiples of 32, or '
                 'of the power of two dividing them)')


def _apply_length(cfg: Config, name: str, value: int,
                  notes: List[str]) -> None:
    """``max_epochs`` / ``max_iters`` and the schedulers counted in them."""
    loop = cfg.get('train_cfg')
    by_epoch = name == 'max_epochs'
    if not isinstance(loop, dict) or loop.get(name) is None:
        raise ValueError(f'{name}={value}: this config\'s train_cfg has no '
                         f'{name} (train_cfg={loop!r})')
    ratio = value / loop[name]
    loop[name] = value
    schedulers = cfg.get('param_scheduler') or []
    if isinstance(schedulers, dict):
        schedulers = [schedulers]
    for sched in schedulers:
        if not isinstance(sched, dict):
            continue
        if bool(sched.get('by_epoch', True)) != by_epoch:
            continue
        for key in ('begin', 'end', 'T_max'):
            if isinstance(sched.get(key), Number):
                scaled = sched[key] * ratio
                # iterations are whole; epochs may be fractional (the
                # schedulers converted to iterations count them exactly)
                sched[key] = round(scaled, 6) if by_epoch else int(
                    round(scaled))
    notes.append(f'{name} {int(round(value / ratio))} -> {value}: '
                 f'param_scheduler x {ratio:.3g}')


def _is_whole(value: Any) -> bool:
    return not isinstance(value, float) or value.is_integer()


def fractional_epochs_to_iters(schedulers: Any, epoch_length: int) -> Any:
    """Schedulers with fractional epoch bounds, counted in iterations.

    ``max_epochs`` scales the epoch bounds of the schedulers; a 1-epoch run
    of a 150-epoch recipe gets a warm-up of 1/3 epoch. MMEngine truncates
    fractional bounds to whole iterations (a warm-up of ``int(1/3 * 2) = 0``
    iterations is refused) or to whole epochs; here each such scheduler
    becomes iteration-based with its bounds rounded, and at least two
    iterations long. Schedulers with whole-epoch bounds are returned as
    they are.

    Args:
        schedulers (list | dict | None): ``param_scheduler`` of a config.
        epoch_length (int): Iterations per epoch.
    """
    if not isinstance(schedulers, (list, tuple)):
        return schedulers
    out = []
    for sched in schedulers:
        if not isinstance(sched, dict) or not sched.get('by_epoch', True) \
                or all(_is_whole(sched.get(k, 0))
                       for k in ('begin', 'end', 'T_max')):
            out.append(sched)
            continue
        sched = copy.deepcopy(sched)
        begin = int(round(sched.get('begin', 0) * epoch_length))
        if isinstance(sched.get('end'), Number):
            # two iterations at least: MMEngine's LinearLR reaches its
            # end_factor at iteration end - 1, never in a one-iteration range
            sched['end'] = max(begin + 2,
                               int(round(sched['end'] * epoch_length)))
        if isinstance(sched.get('T_max'), Number):
            sched['T_max'] = max(1, int(round(sched['T_max'] *
                                              epoch_length)))
        sched.update(begin=begin, by_epoch=False)
        sched.pop('convert_to_iter_based', None)
        out.append(sched)
    return out


def apply_knobs(cfg: Config, knobs: dict) -> List[str]:
    """Apply named settings to ``cfg`` in place.

    Args:
        cfg (Config): The config as read from its file.
        knobs (dict): Named settings (:func:`split_knobs`).

    Returns:
        list[str]: What changed beyond the obvious, for the run's log.

    Raises:
        ValueError: A setting with a bad value, or a path setting the config
            has no top-level value for.
    """
    notes: List[str] = []
    unknown = [k for k in knobs if not is_knob(k)]
    if unknown:
        raise ValueError(f'not named settings: {unknown}')
    _apply_paths(cfg, knobs, notes)
    if 'num_classes' in knobs:
        _apply_num_classes(cfg, _check_int('num_classes',
                                           knobs['num_classes'], 1), notes)
    for name in ('clip_len', 'frame_interval'):
        if name in knobs:
            value = _check_int(name, knobs[name], 1)
            for _, step in _pipeline_steps(cfg):
                if step.get('type') in _SAMPLERS and name in step:
                    step[name] = value
    if 'input_size' in knobs:
        _apply_input_size(cfg, _check_int('input_size', knobs['input_size'],
                                          8), notes)
    for name in ('max_epochs', 'max_iters'):
        if name in knobs:
            _apply_length(cfg, name, _check_int(name, knobs[name], 1), notes)
    if 'batch_size' in knobs:
        value = _check_int('batch_size', knobs['batch_size'], 1)
        for loader in ('train_dataloader', 'val_dataloader'):
            if isinstance(cfg.get(loader), dict):
                cfg[loader]['batch_size'] = value
    if 'num_workers' in knobs:
        value = _check_int('num_workers', knobs['num_workers'], 0)
        for loader in _LOADERS:
            if isinstance(cfg.get(loader), dict):
                cfg[loader]['num_workers'] = value
                cfg[loader]['persistent_workers'] = value > 0
    for name, value in knobs.items():
        cfg[name] = copy.deepcopy(value)
    return notes


def read_config(config: Union[str, Config],
                cfg_options: Optional[dict] = None,
                notes: Optional[List[str]] = None) -> Config:
    """A config with ``--cfg-options`` applied: named settings first, then
    dotted keys; dataloaders without workers get ``persistent_workers=False``
    and a ``Flip`` label map naming a label outside the classes is refused.

    Args:
        config (str | Config): A config file, or a config (copied).
        cfg_options (dict, optional): ``--cfg-options`` (``DictAction``).
        notes (list, optional): Receives what the named settings changed
            beyond their own keys, for the run's log.
    """
    cfg = copy.deepcopy(config) if isinstance(config, Config) else \
        Config.fromfile(config)
    knobs, options = split_knobs(cfg_options)
    changed = apply_knobs(cfg, knobs)
    if notes is not None:
        notes.extend(changed)
    if options:
        cfg.merge_from_dict(options)
    fix_persistent_workers(cfg)
    check_flip_label_maps(cfg)
    return cfg


def fix_persistent_workers(cfg: Config) -> None:
    """``persistent_workers=False`` where a dataloader has no workers
    (PyTorch refuses the combination)."""
    for loader in _LOADERS:
        spec = cfg.get(loader)
        if isinstance(spec, dict) and spec.get('num_workers', 1) == 0 \
                and spec.get('persistent_workers'):
            spec['persistent_workers'] = False


def check_flip_label_maps(cfg: Config) -> None:
    """Raise ``ValueError`` if a ``Flip`` maps a label outside the classes.

    MMAction2's flip swaps labels without checking them; a map written for
    174 classes on data with 4 turns some labels into 4..66 and training
    stops later with ``IndexError: Target 4 is out of bounds``.
    """
    head = (cfg.get('model') or {}).get('cls_head')
    classes = head.get('num_classes') if isinstance(head, dict) else None
    for loader, dataset in _loader_datasets(cfg):
        counts = [n for n in (dataset.get('num_classes'), classes)
                  if isinstance(n, int)]
        if not counts:
            continue
        num_classes = min(counts)
        for step in _steps(dataset.get('pipeline')):
            label_map = step.get('flip_label_map') or {}
            bad = {k: v for k, v in label_map.items()
                   if not (0 <= int(k) < num_classes
                           and 0 <= int(v) < num_classes)}
            if step.get('type') == 'Flip' and bad:
                raise ValueError(
                    f'{loader}: the Flip.flip_label_map pairs {bad} name a '
                    f'label outside num_classes={num_classes}; pass '
                    f'the named setting num_classes={num_classes} (it drops '
                    'those pairs) or set the Flip\'s flip_label_map')


def count_test_views(cfg: Config) -> Optional[Dict[str, int]]:
    """Views per test video: ``clips`` (the test sampler's ``num_clips``),
    ``crops`` (``ThreeCrop`` 3, ``TenCrop`` 10, else 1) and ``views``."""
    dataset = (cfg.get('test_dataloader') or {}).get('dataset')
    if not isinstance(dataset, dict):
        return None
    clips, crops = None, 1
    for inner in _datasets(dataset):
        for step in _steps(inner.get('pipeline')):
            if step.get('type') in _SAMPLERS:
                clips = int(step.get('num_clips', 1))
                if step.get('twice_sample'):
                    clips *= 2
            crops *= _CROP_VIEWS.get(step.get('type'), 1)
    if clips is None:
        return None
    return dict(clips=clips, crops=crops, views=clips * crops)


def views_text(views: Dict[str, int]) -> str:
    """``'3 clips x 3 crops = 9 views'``."""
    def count(n, word):
        return f'{n} {word}' + ('' if n == 1 else 's')
    return (f'{count(views["clips"], "clip")} x '
            f'{count(views["crops"], "crop")} = '
            f'{count(views["views"], "view")}')
