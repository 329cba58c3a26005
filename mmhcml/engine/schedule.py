"""The progressive training schedule as data (section 3.2, appendix D.2).

::

    stage1 --> stage2 --> stage3 --> joint
    rec_l1     con_l2     con_l3     cls + rec_l1 + con_l2 + con_l3
    frozen: -  level 1    levels 1-2 -           (loads stages 1, 2 and 3)

"After the convergence of training at level l-1, we freeze all network
parameters up to level l-1 ... and then start the training for level l";
joint training then fine-tunes the whole network on Eq. 5 from the backbone
of stage 3 and the motion head of every stage.

Every part of mmhcml that needs to know the schedule reads :data:`STAGES`:
:class:`ProgressiveFreezeHook` and :class:`LoadStageCheckpointHook` (their
``stage=`` forms), ``tools/train_schedule.py`` (:mod:`mmhcml.cli.schedule`)
and the cost benchmark (:func:`mmhcml.profiling.model_benchmark.stage_model_cfg`).
This module imports nothing but the standard library.
"""
from string import Formatter
from typing import Dict, List, NamedTuple, Optional, Tuple

__all__ = [
    'Stage', 'STAGES', 'STAGE_NAMES', 'DEFAULT_WORK_DIR', 'DEFAULT_CONFIG',
    'get_stage', 'stage_chain'
]


class Stage(NamedTuple):
    """One run of the progressive schedule.

    Attributes:
        name (str): ``'stage1'`` .. ``'stage3'`` or ``'joint'``.
        level (int): The deepest level whose motion features it trains.
        frozen_levels (int): Levels ``1 .. frozen_levels`` are frozen
            (parameters and BN statistics) for the whole run.
        heads (tuple[str]): Keys of the motion heads it trains (the keys of
            ``HCMLRecognizer.motion_heads``, e.g. ``'con_l2'``); a checkpoint
            of this stage must hold them.
        classifies (bool): Whether it trains the classification head.
        loads (tuple[str]): The stages whose final checkpoints it starts
            from, in loading order (later ones win).
    """
    name: str
    level: int
    frozen_levels: int
    heads: Tuple[str, ...]
    classifies: bool
    loads: Tuple[str, ...]


#: The schedule of the paper, in training order.
STAGES: Tuple[Stage, ...] = (
    Stage('stage1', 1, 0, ('rec_l1', ), False, ()),
    Stage('stage2', 2, 1, ('con_l2', ), False, ('stage1', )),
    Stage('stage3', 3, 2, ('con_l3', ), False, ('stage2', )),
    Stage('joint', 3, 0, ('rec_l1', 'con_l2', 'con_l3'), True,
          ('stage1', 'stage2', 'stage3')),
)
#: Stage names in training order.
STAGE_NAMES: Tuple[str, ...] = tuple(s.name for s in STAGES)
_BY_NAME: Dict[str, Stage] = {s.name: s for s in STAGES}


def get_stage(name: str) -> Stage:
    """The :class:`Stage` called ``name``; ``ValueError`` naming the choices
    otherwise."""
    if name not in _BY_NAME:
        raise ValueError(f'stage must be one of {STAGE_NAMES}, got {name!r}')
    return _BY_NAME[name]


#: Where :func:`stage_chain` puts a run named ``{name}`` by default: the
#: shipped configs' convention, ``work_dirs/N`` trained by
#: ``configs/hcml/N.py``.
DEFAULT_WORK_DIR = 'work_dirs/{name}'
DEFAULT_CONFIG = 'configs/hcml/{name}.py'


def _check_pattern(key: str,
                   pattern: str,
                   fields: Tuple[str, ...],
                   per_stage: bool = True) -> None:
    """Raise ``ValueError`` unless ``pattern`` is a string whose only
    placeholders are ``fields`` and, if ``per_stage``, that holds at least
    one of them (so that each loaded stage gets its own value)."""
    if not isinstance(pattern, str):
        raise ValueError(f'{key} must be a str pattern, got {pattern!r}')
    try:
        found = {f for _, f, _, _ in Formatter().parse(pattern)
                 if f is not None}
    except ValueError as error:
        raise ValueError(f'{key} is not a valid pattern ({error}): '
                         f'{pattern!r}') from None
    unknown = sorted(found - set(fields))
    if unknown:
        raise ValueError(f'{key} may only use the placeholders '
                         f'{{{"}, {".join(fields)}}}, got {{{unknown[0]}}} '
                         f'in {pattern!r}')
    if per_stage and not found:
        raise ValueError(f'{key} must contain one of '
                         f'{{{"}, {".join(fields)}}} (every loaded stage '
                         f'needs its own), got {pattern!r}')


def stage_chain(stage: str,
                run: str,
                loads: Optional[Tuple[str, ...]] = None,
                work_dir: str = DEFAULT_WORK_DIR,
                config: str = DEFAULT_CONFIG) -> List[dict]:
    """The ``stages`` of a :class:`LoadStageCheckpointHook` for ``stage``.

    Args:
        stage (str): The stage being trained (a name in :data:`STAGE_NAMES`).
        run (str): Name pattern of the schedule's runs, with ``{stage}``
            where the stage name goes, e.g. ``'r2plus1d101/{stage}_k400'``.
        loads (tuple[str], optional): The stages to load; defaults to the
            table's ``loads`` of ``stage``.
        work_dir (str): Pattern of the folder a run lives in, with
            ``{name}`` (the run's name, ``run`` filled in) and/or
            ``{stage}`` (the stage name). Defaults to ``'work_dirs/{name}'``
            (the shipped configs' convention); the synthetic runs use
            ``'work_dirs/synthetic/{name}'``. A pattern without
            placeholders (one folder) is only taken for a one-stage chain.
        config (str): Pattern of the config that trains a run, with the
            same placeholders. Defaults to ``'configs/hcml/{name}.py'``;
            the synthetic runs use ``'configs/hcml/tiny/{name}.py'``.

    Returns:
        list[dict]: ``dict(name, work_dir, config, heads)`` per loaded stage.

    Example:
        >>> stage_chain('stage3', '{stage}_k400')[0]['work_dir']
        'work_dirs/stage2_k400'
        >>> stage_chain('stage2', '{stage}_synthetic',
        ...             work_dir='work_dirs/synthetic/{name}',
        ...             config='configs/hcml/tiny/{name}.py')[0]['config']
        'configs/hcml/tiny/stage1_synthetic.py'
    """
    if not isinstance(run, str) or '{stage}' not in run:
        raise ValueError("run must contain '{stage}' where the stage name "
                         f'goes, got {run!r}')
    _check_pattern('run', run, ('stage', ))
    loads = get_stage(stage).loads if loads is None else tuple(loads)
    _check_pattern('work_dir', work_dir, ('name', 'stage'), len(loads) > 1)
    _check_pattern('config', config, ('name', 'stage'), len(loads) > 1)
    chain = []
    for earlier in loads:
        name = run.format(stage=earlier)
        chain.append(
            dict(
                name=name,
                work_dir=work_dir.format(name=name, stage=earlier),
                config=config.format(name=name, stage=earlier),
                heads=list(get_stage(earlier).heads)))
    return chain
