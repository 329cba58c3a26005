"""tools/train_schedule.py runs stage 1, 2, 3 and joint training in order,
each stage starting from the previous one's final checkpoint."""
import os
import os.path as osp
import subprocess
import sys

import pytest

from mmhcml.cli.schedule import stage_configs

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(ROOT, 'tools', 'train_schedule.py')


def test_plan_and_dry_run():
    plan = stage_configs('k400', 'r2plus1d101', 'stage2')
    assert [s for s, _ in plan] == ['stage2', 'stage3', 'joint']
    assert plan[0][1].endswith('configs/hcml/r2plus1d101/stage2_k400.py')
    out = subprocess.run(
        [sys.executable, TOOL, 'sthv1', '--gpus', '8', '--start-from',
         'stage3', '--resume', '--dry-run'], capture_output=True, text=True,
        timeout=300)
    lines = [l for l in out.stdout.splitlines() if l.startswith('[')]
    assert len(lines) == 2
    assert 'dist_train.sh' in lines[0] and 'stage3_sthv1.py 8 --resume' in lines[0]
    assert lines[1].endswith('joint_sthv1.py 8')
    with pytest.raises(ValueError, match='start_from'):
        stage_configs('sthv1', 'r2d50', 'stage4')


def test_whole_synthetic_schedule_then_resume_at_a_stage(rendered_benchmark,
                                                         tmp_path):
    data = tmp_path / 'data'
    data.mkdir()
    os.symlink(rendered_benchmark['root'], data / 'synthetic_motion')
    options = ['--cfg-options', 'train_cfg.max_epochs=1',
               'train_dataloader.num_workers=0',
               'train_dataloader.persistent_workers=False']
    run = subprocess.run([sys.executable, TOOL, 'synthetic', '--gpus', '1',
                          *options], capture_output=True, text=True,
                         cwd=tmp_path, timeout=900)
    log = run.stdout + run.stderr
    assert run.returncode == 0, log[-4000:]
    for stage in ('stage1', 'stage2', 'stage3', 'joint'):
        assert f'] {stage} done in' in run.stdout
        assert osp.isfile(tmp_path / 'work_dirs' / 'synthetic' /
                          f'{stage}_synthetic' / 'epoch_1.pth')
    assert 'loaded' in log and 'of stage3_synthetic' in log
    assert 'ProgressiveFreezeHook: froze levels 1..2' in log
    # a stage whose predecessor is gone fails and says how to continue
    os.remove(tmp_path / 'work_dirs/synthetic/stage2_synthetic/last_checkpoint')
    run = subprocess.run([sys.executable, TOOL, 'synthetic', '--gpus', '1',
                          '--start-from', 'stage3', *options],
                         capture_output=True, text=True, cwd=tmp_path,
                         timeout=600)
    assert run.returncode != 0
    assert 'the final checkpoint of stage2_synthetic is missing' in run.stderr
    assert '--start-from stage3 --resume' in run.stderr
