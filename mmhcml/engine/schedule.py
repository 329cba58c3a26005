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
from typing import Dict, List, NamedTuple, Optional, Tuple

__all__ = ['Stage', 'STAGES', 'STAGE_NAMES', 'get_stage', 'stage_chain']


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


def stage_chain(stage: str,
                run: str,
                loads: Optional[Tuple[str, ...]] = None) -> List[dict]:
    """The ``stages`` of a :class:`LoadStageCheckpointHook` for ``stage``.

    Args:
        stage (str): The stage being trained (a name in :data:`STAGE_NAMES`).
        run (str): Name pattern of the schedule's runs, with ``{stage}``
            where the stage name goes, e.g. ``'r2plus1d101/{stage}_k400'``.
            A run named ``N`` lives in ``work_dirs/N`` and is trained by
            ``configs/hcml/N.py`` (the shipped configs' convention).
        loads (tuple[str], optional): The stages to load; defaults to the
            table's ``loads`` of ``stage``.

    Returns:
        list[dict]: ``dict(name, work_dir, config, heads)`` per loaded stage.

    Example:
        >>> stage_chain('stage3', '{stage}_k400')[0]['work_dir']
        'work_dirs/stage2_k400'
    """
    if '{stage}' not in run:
        raise ValueError("run must contain '{stage}' where the stage name "
                         f'goes, got {run!r}')
    loads = get_stage(stage).loads if loads is None else tuple(loads)
    chain = []
    for earlier in loads:
        name = run.format(stage=earlier)
        chain.append(
            dict(
                name=name,
                work_dir=f'work_dirs/{name}',
                config=f'configs/hcml/{name}.py',
                heads=list(get_stage(earlier).heads)))
    return chain
