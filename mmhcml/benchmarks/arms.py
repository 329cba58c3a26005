"""The training runs of the synthetic study, as data.

The paper's schedule (:data:`mmhcml.engine.schedule.STAGES`) gives four runs:
stages 1-3 and joint training. The study adds the arms that show what each
level adds (Figure 2 of the paper) and what each supervision makes of the
motion features (Table 1):

=================  ======================  ===============================
run                starts from             trains
=================  ======================  ===============================
``joint_s1``       stage 1                 cls + rec_l1 (Eq. 5 without
                                           levels 2-3)
``joint_s12``      stages 1-2              cls + rec_l1 + con_l2
``joint``          stages 1-3              cls + rec_l1 + con_l2 + con_l3
``stage2_shuffled``  stage 1               con_l2 on time-shuffled targets
``stage3_shuffled``  ``stage2_shuffled``   con_l3 on time-shuffled targets
``joint_shuffled``   stage 1 + both above  Eq. 5, con targets time-shuffled
``stage2_recon``   stage 1                 rec_l2: Eq. 2-3 at level 2
``stage3_recon``   ``stage2_recon``        rec_l3: Eq. 2-3 at level 3
=================  ======================  ===============================

Each run inherits the repository's tiny synthetic config of the paper run
it varies (``<paper_run>_synthetic.py``); :func:`motion_heads` gives the
heads it trains when they differ from that config's.
"""
import copy
from typing import Dict, List, NamedTuple, Optional, Tuple

from ..engine.schedule import STAGE_NAMES, get_stage

__all__ = ['Arm', 'RUNS', 'SELF_SUP', 'head_key', 'motion_heads']


class Arm(NamedTuple):
    """One training run of the study.

    Attributes:
        paper_run (str): The run of the paper whose tiny synthetic config it
            inherits (``'baseline'``, ``'pmb'``, a stage name or
            ``'joint'``).
        loads (tuple[str]): The study runs whose final checkpoints it starts
            from, in loading order.
        heads (tuple[str]): Keys of the motion heads it trains (what a later
            run loads from its checkpoint).
        frozen_levels (int): Levels ``1 .. frozen_levels`` frozen throughout.
        shuffle_time (bool): Its contrastive heads score targets shuffled in
            time (``ContrastiveMotionHead(shuffle_time=True)``).
    """
    paper_run: str
    loads: Tuple[str, ...] = ()
    heads: Tuple[str, ...] = ()
    frozen_levels: int = 0
    shuffle_time: bool = False

    @property
    def self_supervised(self) -> bool:
        """Trained without labels, on the unlabelled split."""
        return self.paper_run in STAGE_NAMES and self.paper_run != 'joint'


def _paper(name: str) -> Arm:
    stage = get_stage(name)
    return Arm(name, stage.loads, stage.heads, stage.frozen_levels)


_JOINT_HEADS = get_stage('joint').heads

#: Every run of the study by name (the paper's four first).
RUNS: Dict[str, Arm] = {
    **{name: _paper(name) for name in STAGE_NAMES},
    'baseline': Arm('baseline'),
    'pmb': Arm('pmb'),
    'joint_s1': Arm('joint', ('stage1', ), ('rec_l1', )),
    'joint_s12': Arm('joint', ('stage1', 'stage2'), ('rec_l1', 'con_l2')),
    'stage2_shuffled': Arm('stage2', ('stage1', ), ('con_l2', ), 1, True),
    'stage3_shuffled': Arm('stage3', ('stage2_shuffled', ), ('con_l3', ), 2,
                           True),
    'joint_shuffled': Arm('joint', ('stage1', 'stage2_shuffled',
                                    'stage3_shuffled'), _JOINT_HEADS, 0,
                          True),
    'stage2_recon': Arm('stage2', ('stage1', ), ('rec_l2', ), 1),
    'stage3_recon': Arm('stage3', ('stage2_recon', ), ('rec_l3', ), 2),
}
#: The self-supervised runs, in training order (trained once on the
#: unlabelled split and shared by every setting).
SELF_SUP: Tuple[str, ...] = tuple(n for n, a in RUNS.items()
                                  if a.self_supervised)


def head_key(head: dict) -> str:
    """``'rec_l<level>'`` or ``'con_l<level>'`` of a motion-head config."""
    prefix = {'FlowReconstructionHead': 'rec',
              'ContrastiveMotionHead': 'con'}.get(head['type'])
    if prefix is None:
        raise ValueError(f'unknown motion head type {head["type"]!r}')
    return f'{prefix}_l{head["level"]}'


def motion_heads(arm: Arm, base_heads: List[dict],
                 stage1_heads: List[dict]) -> Optional[List[dict]]:
    """The ``model.motion_heads`` of ``arm``, or ``None`` where its paper
    run's config already trains exactly them.

    Args:
        arm: The run.
        base_heads: ``motion_heads`` of the config it inherits.
        stage1_heads: ``motion_heads`` of stage 1's config; a
            reconstruction head at level 2 or 3 is stage 1's head at that
            level (same decoder, loss and weight).

    Raises:
        ValueError: If a head the arm trains has no source.
    """
    by_key = {head_key(h): h for h in base_heads}
    rec = {head_key(h): h for h in stage1_heads}
    if not arm.shuffle_time and tuple(by_key) == arm.heads:
        return None
    out = []
    for key in arm.heads:
        if key in by_key:
            head = copy.deepcopy(dict(by_key[key]))
        elif key.startswith('rec_l') and 'rec_l1' in rec:
            head = copy.deepcopy(dict(rec['rec_l1']))
            head['level'] = int(key[len('rec_l'):])
        else:
            raise ValueError(f'no config gives the head {key!r} of the run '
                             f'starting from {arm.loads}')
        if arm.shuffle_time and head['type'] == 'ContrastiveMotionHead':
            head['shuffle_time'] = True
        out.append(head)
    return out
