"""Where LoadStageCheckpointHook looks for an earlier stage after --work-dir."""
import os.path as osp

import pytest

from mmhcml.engine.hooks.load_stage_checkpoint_hook import \
    LoadStageCheckpointHook

STAGE2 = dict(name='stage2_sthv1', work_dir='work_dirs/stage2_sthv1')


def test_relative_stage_dir_is_beside_this_runs_work_dir(tmp_path):
    run = str(tmp_path / 'runs' / 'exp1' / 'stage3_sthv1')
    assert LoadStageCheckpointHook.stage_dir(STAGE2, run) == str(
        tmp_path / 'runs' / 'exp1' / 'stage2_sthv1')
    # default work dirs: the configured folder
    default = osp.abspath('work_dirs/stage3_sthv1')
    assert LoadStageCheckpointHook.stage_dir(STAGE2, default) == \
        osp.abspath('work_dirs/stage2_sthv1')
    # deeper defaults keep only the stage's own folder name
    deep = dict(name='s2', work_dir='work_dirs/r2plus1d101/stage2_k400/')
    assert LoadStageCheckpointHook.stage_dir(deep, '/a/b/stage3_k400') == \
        '/a/b/stage2_k400'


def test_absolute_stage_dir_is_used_as_given(tmp_path):
    stage = dict(name='stage1', work_dir=str(tmp_path / 'elsewhere'))
    assert LoadStageCheckpointHook.stage_dir(
        stage, '/runs/x/stage2') == str(tmp_path / 'elsewhere')
    assert LoadStageCheckpointHook.stage_dir(STAGE2) == STAGE2['work_dir']


def test_final_checkpoint_found_beside_the_run(tmp_path):
    stage_dir = tmp_path / 'runs' / 'exp1' / 'stage2_sthv1'
    stage_dir.mkdir(parents=True)
    (stage_dir / 'epoch_150.pth').write_bytes(b'x')
    (stage_dir / 'last_checkpoint').write_text(str(stage_dir / 'epoch_150.pth'))
    folder = LoadStageCheckpointHook.stage_dir(
        STAGE2, str(tmp_path / 'runs' / 'exp1' / 'stage3_sthv1'))
    assert LoadStageCheckpointHook.final_checkpoint(STAGE2, folder) == str(
        stage_dir / 'epoch_150.pth')
    # a run elsewhere does not pick it up, and says where it looked
    other = LoadStageCheckpointHook.stage_dir(
        STAGE2, str(tmp_path / 'runs' / 'exp2' / 'stage3_sthv1'))
    with pytest.raises(FileNotFoundError, match='exp2/stage2_sthv1/last_'):
        LoadStageCheckpointHook.final_checkpoint(STAGE2, other)
