"""tools/dist_train.sh with 2 CPU processes (gloo) keeps the ranks in sync,
for the joint config and for a self-supervised stage config (sync_bn)."""
import os
import os.path as osp
import subprocess
import textwrap

import torch

from tests.conftest import data_overrides

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

DUMP_HOOK = '''
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmaction.registry import HOOKS


@HOOKS.register_module()
class DumpRankStateHook(Hook):
    def __init__(self, out_dir):
        self.out_dir = out_dir

    def after_run(self, runner):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        torch.save(model.state_dict(), f'{self.out_dir}/rank{get_rank()}.pth')
        kinds = sorted({type(m).__name__ for m in model.modules()
                        if 'BatchNorm' in type(m).__name__})
        with open(f'{self.out_dir}/rank{get_rank()}_bn.txt', 'w') as f:
            f.write(' '.join(kinds))
'''


def run_dist_train(tmp_path, base, settings, port, cli_args):
    """tools/dist_train.sh on 2 processes for a config of ``base`` with the
    rank-dump hook and ``settings`` (config lines), ``cli_args`` after the
    config and the process count."""
    (tmp_path / 'rank_dump_hook.py').write_text(DUMP_HOOK)
    config = tmp_path / 'dist_run.py'
    config.write_text(textwrap.dedent(f'''
        _base_ = [{osp.join(ROOT, base)!r}]
        custom_imports = dict(imports=['mmhcml', 'rank_dump_hook'],
                              allow_failed_imports=False)
        custom_hooks = [dict(type='DumpRankStateHook', out_dir={str(tmp_path)!r})]
        train_cfg = dict(max_epochs=1)
    ''') + textwrap.dedent(settings))
    env = dict(os.environ, PYTHONPATH=f'{tmp_path}{os.pathsep}'
               f'{os.environ.get("PYTHONPATH", "")}', PORT=str(port),
               OMP_NUM_THREADS='1')
    return subprocess.run(
        ['bash', osp.join(ROOT, 'tools/dist_train.sh'), str(config), '2',
         '--work-dir', str(tmp_path / 'work'), *cli_args],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)


def assert_same_parameters_on_both_ranks(tmp_path):
    rank0 = torch.load(tmp_path / 'rank0.pth')
    rank1 = torch.load(tmp_path / 'rank1.pth')
    assert rank0.keys() == rank1.keys()
    different = [k for k in rank0
                 if k.endswith(('weight', 'bias'))
                 and not torch.equal(rank0[k], rank1[k])]
    assert different == []


def test_two_cpu_processes_end_with_identical_parameters(rendered_benchmark,
                                                         tmp_path):
    result = run_dist_train(
        tmp_path, 'configs/hcml/tiny/hcml_tiny_joint_synthetic.py', '''
        env_cfg = dict(dist_cfg=dict(backend='gloo'))
        train_dataloader = dict(batch_size=2)
        val_cfg = None
        val_dataloader = None
        val_evaluator = None
        default_hooks = dict(checkpoint=dict(save_best=None))
        ''', 29533, ['--cfg-options', *[
            o for o in data_overrides(rendered_benchmark)
            if o.startswith('train_dataloader')]])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    # 14 clips, 2 per batch on each of 2 ranks: 4 iterations (last partial)
    assert 'Epoch(train) [1][4/4]' in result.stdout + result.stderr
    assert_same_parameters_on_both_ranks(tmp_path)


def test_stage_config_with_sync_bn_runs_on_two_cpu_processes(
        rendered_benchmark, tmp_path):
    """stage1_synthetic.py sets sync_bn='torch' (global BN, D.2); CPU
    processes cannot run SyncBatchNorm, so it is left out and logged."""
    root = rendered_benchmark['root']
    # the README's recipe, as written
    result = run_dist_train(
        tmp_path, 'configs/hcml/tiny/stage1_synthetic.py',
        "train_dataloader = dict(batch_size=1)", 29534, [
            '--cfg-options', 'env_cfg.dist_cfg.backend=gloo',
            f'train_dataloader.dataset.ann_file={root}/unlabelled.txt',
            f'train_dataloader.dataset.data_prefix.video={root}/videos',
            'train_dataloader.num_workers=0',
            'train_dataloader.persistent_workers=False'])
    log = result.stdout + result.stderr
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    # 4 unlabelled clips, 1 per batch on each of 2 ranks: 2 iterations
    assert 'Epoch(train) [1][2/2]' in log
    assert 'loss_rec_l1' in log
    assert "sync_bn='torch' left out: SyncBatchNorm needs CUDA" in log
    # the message is in the run's log file too, not only on the console
    logs = list((tmp_path / 'work').rglob('*.log'))
    assert logs and any('left out' in p.read_text() for p in logs)
    for rank in (0, 1):
        kinds = (tmp_path / f'rank{rank}_bn.txt').read_text().split()
        assert kinds and 'SyncBatchNorm' not in kinds
    assert_same_parameters_on_both_ranks(tmp_path)
