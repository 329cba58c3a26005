"""tools/train_schedule.py runs stage 1, 2, 3 and joint training in order,
each stage starting from the previous one's final checkpoint; the configs
are found by name, options go to all stages or to one kind, one work dir
holds the schedule, and the resume hint repeats the user's options."""
import os
import os.path as osp
import subprocess
import sys

import pytest
from mmengine.config import Config

from mmhcml.cli.schedule import (available_datasets, parse_args,
                                 stage_configs, stage_options)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(ROOT, 'tools', 'train_schedule.py')


def test_plan_and_dry_run():
    plan = stage_configs('k400', 'r2plus1d101', 'stage2')
    assert [s for s, _ in plan] == ['stage2', 'stage3', 'joint']
    assert plan[0][1].endswith('configs/hcml/r2plus1d101/stage2_k400.py')
    out = subprocess.run(
        [sys.executable, TOOL, 'sthv1', '--gpus', '8', '--start-from',
         'stage3', '--resume', '--dry-run', '--work-dir', 'runs/a b',
         '--cfg-options', 'num_classes=4', '--joint-cfg-options',
         'model.cls_head.dropout_ratio=0.25', '--ssl-cfg-options',
         'train_dataloader.batch_size=4'], capture_output=True, text=True,
        timeout=300)
    lines = [l for l in out.stdout.splitlines() if l.startswith('[')]
    assert len(lines) == 2
    assert 'dist_train.sh' in lines[0]
    assert 'stage3_sthv1.py 8 --resume' in lines[0]
    assert "--work-dir 'runs/a b/stage3_sthv1'" in lines[0]
    assert lines[0].endswith('--cfg-options num_classes=4 '
                             'train_dataloader.batch_size=4')
    assert 'joint_sthv1.py 8 --work-dir' in lines[1]
    assert lines[1].endswith('--cfg-options num_classes=4 '
                             'model.cls_head.dropout_ratio=0.25')
    with pytest.raises(ValueError, match='start_from'):
        stage_configs('sthv1', 'r2d50', 'stage4')


def test_stage_options_follow_the_schedule_table():
    args = parse_args(['sthv1', '--cfg-options', 'a=1', '--ssl-cfg-options',
                       'b=2', '--joint-cfg-options', 'c=3'])
    assert stage_options('stage2', args) == ['--cfg-options', 'a=1', 'b=2']
    assert stage_options('joint', args) == ['--cfg-options', 'a=1', 'c=3']
    assert stage_options('stage1', parse_args(['sthv1'])) == []


def test_configs_are_found_by_name(tmp_path):
    # a new dataset: four configs named <stage>_<dataset>.py, no Python edit
    for stage in ('stage1', 'stage2', 'stage3', 'joint'):
        base = osp.join(ROOT, f'configs/hcml/{stage}_sthv1.py')
        (tmp_path / f'{stage}_mydata.py').write_text(f'_base_ = [{base!r}]\n')
    plan = stage_configs('mydata', config_dir=str(tmp_path))
    assert [s for s, _ in plan] == ['stage1', 'stage2', 'stage3', 'joint']
    assert available_datasets(str(tmp_path)) == ['mydata']
    # the synthetic benchmark's folder is found without naming it
    assert stage_configs('synthetic')[0][1].endswith(
        'configs/hcml/tiny/stage1_synthetic.py')
    # a folder with the first stages only runs those
    assert [s for s, _ in stage_configs('real_footage')] == [
        'stage1', 'stage2', 'stage3']
    with pytest.raises(ValueError, match=r"no schedule for dataset 'nope'.*"
                       r"configs/hcml: k400, .*sthv1, sthv2; .*"
                       r"configs/hcml/tiny: .*synthetic"):
        stage_configs('nope')
    with pytest.raises(ValueError, match='no config folder'):
        stage_configs('sthv1', 'resnet9')


def test_a_new_dataset_folder_is_discovered_without_python_edits(
        tmp_path, monkeypatch):
    # a config tree with a new dataset's base and its four stage configs in
    # a folder of its own: `train_schedule.py mydata` finds them with no
    # --config-dir and no list to extend
    import mmhcml.cli.schedule as schedule
    configs = tmp_path / 'configs' / 'hcml'
    (configs / '_base_' / 'datasets').mkdir(parents=True)
    (configs / '_base_' / 'datasets' / 'mydata.py').write_text(
        "data_root = 'data/mydata'\n")
    (configs / 'mydata').mkdir()
    for stage in ('stage1', 'stage2', 'stage3', 'joint'):
        (configs / 'mydata' / f'{stage}_mydata.py').write_text(
            "_base_ = ['../_base_/datasets/mydata.py']\n")
    # a stage-1 config directly in configs/hcml/ (another dataset)
    (configs / 'stage1_other.py').write_text('\n')
    monkeypatch.setattr(schedule, 'ROOT', str(tmp_path))
    monkeypatch.setattr(schedule, 'CONFIGS', str(configs))
    plan = schedule.stage_configs('mydata')
    assert plan == [(s, str(configs / 'mydata' / f'{s}_mydata.py'))
                    for s in ('stage1', 'stage2', 'stage3', 'joint')]
    assert schedule.available_datasets(str(configs / 'mydata')) == ['mydata']
    assert [s for s, _ in schedule.stage_configs('other')] == ['stage1']
    # a dataset that is nowhere is refused, naming the folders' datasets
    with pytest.raises(ValueError, match=r"configs/hcml/mydata: mydata"):
        schedule.stage_configs('missing')


def test_whole_synthetic_schedule_then_resume_at_a_stage(rendered_benchmark,
                                                         tmp_path):
    runs = tmp_path / 'runs'
    # named settings fit all four configs; a joint-only option would break
    # the stage configs, which have no classifier
    options = ['--work-dir', str(runs), '--cfg-options',
               f'data_root={rendered_benchmark["root"]}', 'max_epochs=1',
               'num_workers=0', '--joint-cfg-options',
               'model.cls_head.dropout_ratio=0.25']
    run = subprocess.run([sys.executable, TOOL, 'synthetic', '--gpus', '1',
                          *options], capture_output=True, text=True,
                         cwd=tmp_path, timeout=900)
    log = run.stdout + run.stderr
    assert run.returncode == 0, log[-4000:]
    for stage in ('stage1', 'stage2', 'stage3', 'joint'):
        assert f'] {stage} done in' in run.stdout
        assert osp.isfile(runs / f'{stage}_synthetic' / 'epoch_1.pth')
    assert not (tmp_path / 'work_dirs').exists()
    assert 'loaded' in log and 'of stage3_synthetic' in log
    assert 'ProgressiveFreezeHook: froze levels 1..2' in log
    joint = Config.fromfile(runs / 'joint_synthetic' / 'joint_synthetic.py')
    assert joint.model.cls_head.dropout_ratio == 0.25
    stage1 = Config.fromfile(runs / 'stage1_synthetic' /
                             'stage1_synthetic.py')
    assert stage1.model.cls_head is None
    # a stage whose predecessor is gone fails and says how to continue,
    # with the user's options
    for name in os.listdir(runs / 'stage2_synthetic'):
        if name.endswith('.pth') or name == 'last_checkpoint':
            os.remove(runs / 'stage2_synthetic' / name)
    run = subprocess.run([sys.executable, TOOL, 'synthetic', '--gpus', '1',
                          '--start-from', 'stage3', *options],
                         capture_output=True, text=True, cwd=tmp_path,
                         timeout=600)
    assert run.returncode != 0
    assert 'the final checkpoint of stage2_synthetic is missing' in run.stderr
    hint = run.stderr.split('continue with: ')[-1]
    assert '--start-from stage3 --resume' in hint
    assert f'--work-dir {runs}' in hint
    assert (f'--cfg-options data_root={rendered_benchmark["root"]} '
            'max_epochs=1 num_workers=0 --joint-cfg-options '
            'model.cls_head.dropout_ratio=0.25') in hint
