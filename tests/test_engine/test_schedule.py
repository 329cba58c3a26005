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


# The explicit chains the tiny and real-footage stage configs spelled out
# before they used the stage= form with work_dir / config patterns.
TINY_STAGE2_EXPLICIT = dict(
    type='LoadStageCheckpointHook', stages=[
        dict(name='stage1_synthetic', heads=['rec_l1'],
             work_dir='work_dirs/synthetic/stage1_synthetic',
             config='configs/hcml/tiny/stage1_synthetic.py')])
TINY_STAGE3_EXPLICIT = dict(
    type='LoadStageCheckpointHook', stages=[
        dict(name='stage2_synthetic', heads=['con_l2'],
             work_dir='work_dirs/synthetic/stage2_synthetic',
             config='configs/hcml/tiny/stage2_synthetic.py')])
REAL_STAGE3_EXPLICIT = dict(
    type='LoadStageCheckpointHook', stages=[
        dict(name='stage2_real_footage', heads=['con_l2'],
             work_dir='work_dirs/synthetic/stage2_real_footage',
             config='configs/hcml/real_footage/stage2_real_footage.py')])


def test_patterns_place_the_synthetic_runs():
    short = HOOKS.build(
        dict(type='LoadStageCheckpointHook', stage='stage2',
             run='{stage}_synthetic', work_dir='work_dirs/synthetic/{name}',
             config='configs/hcml/tiny/{name}.py'))
    assert short.stages == HOOKS.build(TINY_STAGE2_EXPLICIT).stages
    # {stage} is the stage name alone, {name} the run's name
    chain = stage_chain('joint', 'r/{stage}_x', work_dir='w/{stage}',
                        config='c/{name}/{stage}.py')
    assert [(c['work_dir'], c['config']) for c in chain] == [
        ('w/stage1', 'c/r/stage1_x/stage1.py'),
        ('w/stage2', 'c/r/stage2_x/stage2.py'),
        ('w/stage3', 'c/r/stage3_x/stage3.py')]


@pytest.mark.parametrize('path, explicit', [
    ('configs/hcml/tiny/stage2_synthetic.py', TINY_STAGE2_EXPLICIT),
    ('configs/hcml/tiny/stage3_synthetic.py', TINY_STAGE3_EXPLICIT),
    ('configs/hcml/real_footage/stage3_real_footage.py',
     REAL_STAGE3_EXPLICIT),
])
def test_shipped_short_forms_build_the_explicit_chain(path, explicit):
    from mmengine.config import Config
    hooks = Config.fromfile(path).custom_hooks
    load = [h for h in hooks if h['type'] == 'LoadStageCheckpointHook']
    assert len(load) == 1 and 'stages' not in load[0]
    assert HOOKS.build(dict(load[0])).stages == HOOKS.build(
        explicit).stages


@pytest.mark.parametrize('kwargs, message', [
    # joint loads three stages: one folder for all of them is an error
    (dict(work_dir='work_dirs/synthetic'), 'work_dir must contain one of'),
    (dict(config='configs/{nam}.py'), r'config may only use .*\{nam\}'),
    (dict(config=3), 'config must be a str pattern, got 3'),
    (dict(work_dir='work_dirs/{name'), 'work_dir is not a valid pattern'),
])
def test_bad_patterns_name_the_key(kwargs, message):
    with pytest.raises(ValueError, match=message):
        stage_chain('joint', '{stage}_synthetic', **kwargs)
    with pytest.raises(ValueError, match=message):
        HOOKS.build(dict(type='LoadStageCheckpointHook', stage='joint',
                         run='{stage}_synthetic', **kwargs))


def test_one_stage_chain_takes_a_fixed_folder():
    chain = stage_chain('stage3', '{stage}_synthetic', work_dir='/runs/s2')
    assert chain[0]['work_dir'] == '/runs/s2'
    assert chain[0]['config'] == 'configs/hcml/stage2_synthetic.py'


def test_patterns_need_the_stage_form():
    with pytest.raises(ValueError, match='only with stage and run'):
        HOOKS.build(dict(type='LoadStageCheckpointHook',
                         stages=[dict(name='a', work_dir='b')],
                         config='configs/hcml/{name}.py'))
