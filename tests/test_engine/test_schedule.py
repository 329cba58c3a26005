"""The schedule table (mmhcml.engine.schedule) and the hooks' ``stage=``
forms that read it, checked against section 3.2 written out by hand."""
import pytest

from mmaction.registry import HOOKS
from mmhcml.engine.schedule import STAGE_NAMES, STAGES, get_stage, stage_chain


def test_table_is_section_3_2():
    # stage l trains level l with levels 1..l-1 frozen and loads stage l-1;
    # joint trains everything (Eq. 5) from stages 1-3
    assert STAGE_NAMES == ('stage1', 'stage2', 'stage3', 'joint')
    assert [(s.level, s.frozen_levels, s.heads, s.classifies, s.loads)
            for s in STAGES] == [
                (1, 0, ('rec_l1', ), False, ()),
                (2, 1, ('con_l2', ), False, ('stage1', )),
                (3, 2, ('con_l3', ), False, ('stage2', )),
                (3, 0, ('rec_l1', 'con_l2', 'con_l3'), True,
                 ('stage1', 'stage2', 'stage3')),
            ]


def test_unknown_stage_names_the_choices():
    with pytest.raises(ValueError, match=r"stage must be one of .*'stage4'"):
        get_stage('stage4')


def test_chain_of_joint_on_r2plus1d101():
    chain = stage_chain('joint', 'r2plus1d101/{stage}_k400')
    assert chain[1] == dict(
        name='r2plus1d101/stage2_k400',
        work_dir='work_dirs/r2plus1d101/stage2_k400',
        config='configs/hcml/r2plus1d101/stage2_k400.py',
        heads=['con_l2'])
    assert [c['heads'] for c in chain] == [['rec_l1'], ['con_l2'],
                                           ['con_l3']]
    with pytest.raises(ValueError, match="must contain '{stage}'"):
        stage_chain('joint', 'stage_k400')


def test_hooks_stage_form_equals_the_explicit_form():
    freeze = HOOKS.build(dict(type='ProgressiveFreezeHook', stage='stage3'))
    assert freeze.frozen_levels == 2
    load = HOOKS.build(
        dict(type='LoadStageCheckpointHook', stage='stage2',
             run='{stage}_sthv1'))
    explicit = HOOKS.build(
        dict(type='LoadStageCheckpointHook', stages=[
            dict(name='stage1_sthv1', work_dir='work_dirs/stage1_sthv1',
                 config='configs/hcml/stage1_sthv1.py', heads=['rec_l1'])
        ]))
    assert load.stages == explicit.stages


@pytest.mark.parametrize('kwargs', [
    dict(), dict(frozen_levels=1, stage='stage2')])
def test_freeze_hook_needs_exactly_one_source(kwargs):
    with pytest.raises(ValueError, match='frozen_levels or stage'):
        HOOKS.build(dict(type='ProgressiveFreezeHook', **kwargs))


@pytest.mark.parametrize('kwargs', [
    dict(stage='stage2'), dict(run='{stage}_k400'),
    dict(stages=[dict(name='a', work_dir='b')], stage='stage2',
         run='{stage}_k400')])
def test_load_hook_needs_stages_or_stage_and_run(kwargs):
    with pytest.raises(ValueError, match='either stages, or stage and run'):
        HOOKS.build(dict(type='LoadStageCheckpointHook', **kwargs))
