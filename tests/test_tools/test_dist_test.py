"""tools/dist_test.sh with 2 CPU processes (gloo): the user's command runs,
predicts what one process predicts, states the views per video, keeps the
console short and leaves the training config in the work dir alone."""
import os
import os.path as osp
import pickle
import subprocess
import sys

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs/hcml/tiny/hcml_tiny_joint_synthetic.py')


def random_checkpoint(path):
    """A checkpoint of the config's model, randomly initialised."""
    from mmaction.registry import MODELS
    init_default_scope('mmaction')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(CONFIG).model)
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)


def test_dist_test_on_two_cpu_processes(rendered_benchmark, tmp_path):
    ckpt = str(tmp_path / 'tiny.pth')
    random_checkpoint(ckpt)
    work = tmp_path / 'work'
    work.mkdir()
    # the config tools/train.py saved in this work dir
    (work / 'hcml_tiny_joint_synthetic.py').write_text('# training config\n')
    data = [f'data_root={rendered_benchmark["root"]}', 'num_workers=0']
    env = dict(os.environ, PORT='29541', OMP_NUM_THREADS='1')
    # the command of the report, as written
    dist = subprocess.run(
        ['bash', osp.join(ROOT, 'tools/dist_test.sh'), CONFIG, ckpt, '2',
         '--work-dir', str(work), '--dump', str(tmp_path / 'dist.pkl'),
         '--cfg-options', 'env_cfg.dist_cfg.backend=gloo', *data],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    console = dist.stdout + dist.stderr
    assert dist.returncode == 0, console[-4000:]
    assert 'device_ids' not in console
    assert 'views per video: 10 clips x 3 crops = 30 views' in console
    # the dumps go to the log file, not to the console
    assert 'System environment' not in console and 'Config:' not in console
    logs = [p.read_text() for p in work.rglob('*.log')]
    assert any('System environment' in t and 'Config:' in t for t in logs)
    assert any('30 views' in t for t in logs)
    assert (work / 'hcml_tiny_joint_synthetic.py').read_text() == \
        '# training config\n'

    single = subprocess.run(
        [sys.executable, osp.join(ROOT, 'tools/test.py'), CONFIG, ckpt,
         '--work-dir', str(tmp_path / 'single'), '--dump',
         str(tmp_path / 'single.pkl'), '--cfg-options', *data],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    assert single.returncode == 0, (single.stdout + single.stderr)[-4000:]
    with open(tmp_path / 'dist.pkl', 'rb') as f:
        two = pickle.load(f)
    with open(tmp_path / 'single.pkl', 'rb') as f:
        one = pickle.load(f)
    # every validation video once, in order, with the same scores
    assert len(two) == len(one) == rendered_benchmark['counts']['val']
    assert [p['gt_label'].item() for p in two] == \
        [p['gt_label'].item() for p in one]
    for a, b in zip(two, one):
        torch.testing.assert_close(a['pred_score'], b['pred_score'],
                                   rtol=1e-4, atol=1e-6)
