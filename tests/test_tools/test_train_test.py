"""tools/train.py, tools/test.py and MMAction2's own tools on a tiny config."""
import os
import os.path as osp
import pickle
import re
import subprocess
import sys

import mmaction
from mmengine import Config

from mmaction.registry import DATASETS
from tests.conftest import data_overrides

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs/hcml/tiny/hcml_tiny_joint_synthetic.py')
MMACTION_TOOLS = osp.join(osp.dirname(mmaction.__file__), '.mim', 'tools')


def run(script, *args):
    result = subprocess.run([sys.executable, script, *args],
                            capture_output=True, text=True, timeout=600,
                            cwd=ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


def test_tiny_config_trains_two_iterations_saves_and_resumes(
        rendered_benchmark, tmp_path):
    opts = data_overrides(rendered_benchmark)
    work = str(tmp_path / 'work')
    # 14 clips at 8 per batch: 2 iterations per epoch
    log = run(osp.join(ROOT, 'tools/train.py'), CONFIG, '--work-dir', work,
              '--seed', '0', '--cfg-options', *opts, 'train_cfg.max_epochs=1')
    assert re.search(r'Epoch\(train\) \[1\]\[2/2\]', log)
    assert 'loss_rec_l1' in log and 'loss_con_l3' in log
    assert osp.isfile(osp.join(work, 'epoch_1.pth'))
    log = run(osp.join(ROOT, 'tools/train.py'), CONFIG, '--work-dir', work,
              '--resume', '--cfg-options', *opts, 'train_cfg.max_epochs=2')
    assert 'resumed epoch: 1, iter: 2' in log
    assert re.search(r'Epoch\(train\) \[2\]\[2/2\]', log)
    assert osp.isfile(osp.join(work, 'epoch_2.pth'))

    dump = str(tmp_path / 'preds.pkl')
    log = run(osp.join(ROOT, 'tools/test.py'), CONFIG,
              osp.join(work, 'epoch_2.pth'), '--work-dir', work, '--dump',
              dump, '--cfg-options', *opts)
    assert 'acc/top1' in log
    with open(dump, 'rb') as f:
        preds = pickle.load(f)
    assert len(preds) == rendered_benchmark['counts']['val']
    assert preds[0]['pred_score'].shape[-1] == 14


def test_test_pipeline_gives_30_views(rendered_benchmark):
    cfg = Config.fromfile(CONFIG)
    cfg.merge_from_dict(
        dict(o.split('=', 1) for o in data_overrides(rendered_benchmark)
             if o.startswith('test_dataloader.dataset')))
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    assert tuple(dataset[0]['inputs'].shape) == (30, 3, 8, 64, 64)


def test_config_runs_under_mmaction2s_installed_tools(rendered_benchmark,
                                                      tmp_path):
    opts = data_overrides(rendered_benchmark)
    work = str(tmp_path / 'mm')
    log = run(osp.join(MMACTION_TOOLS, 'train.py'), CONFIG, '--work-dir',
              work, '--cfg-options', *opts, 'train_cfg.max_epochs=1')
    assert 'loss_con_l2' in log
    log = run(osp.join(MMACTION_TOOLS, 'test.py'), CONFIG,
              osp.join(work, 'epoch_1.pth'), '--work-dir', work,
              '--cfg-options', *opts)
    assert 'acc/top1' in log


def test_test_tool_refuses_missing_checkpoint(tmp_path):
    result = subprocess.run(
        [sys.executable, osp.join(ROOT, 'tools/test.py'), CONFIG,
         str(tmp_path / 'nope.pth')], capture_output=True, text=True,
        cwd=ROOT, timeout=300)
    assert result.returncode != 0
    assert "checkpoint '" in result.stderr and 'does not exist' in result.stderr
