"""Never losing a run: an atomic save_best, one training per work dir (a
stale lock taken over), checkpoint-hook arguments checked when built, and
``--resume`` into a config with another optimizer type."""
import glob
import os
import os.path as osp
import signal
import subprocess
import sys

import pytest
from mmengine.fileio.backends.local_backend import LocalBackend
from mmengine.runner import Runner

from mmaction.registry import HOOKS
from mmhcml.engine.checkpoint_io import safe_load
from mmhcml.engine.hooks import ForeignCheckpointError, SafeCheckpointHook
from mmhcml.engine.hooks.work_dir_lock import (LOCK_NAME, WorkDirBusyError,
                                               WorkDirLock)
from tests.test_reliability.test_checkpoint_safety import tiny_cfg

LOCK_MODULE = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
    'mmhcml', 'engine', 'hooks', 'work_dir_lock.py')


class _Killed(Exception):
    """Stands for the process being killed."""


@pytest.fixture(scope='module')
def trained(rendered_benchmark, tmp_path_factory):
    """A tiny run of one epoch (SGD) and its runner."""
    work = tmp_path_factory.mktemp('trained')
    cfg = tiny_cfg(rendered_benchmark, work, 1)
    cfg.default_hooks.checkpoint.update(save_best='acc/top1', rule='greater')
    runner = Runner.from_cfg(cfg)  # validation after 100 epochs: no best yet
    runner.train()
    return work, runner


def test_hook_arguments_checked_when_built(rendered_benchmark, tmp_path):
    cases = [
        (dict(max_keep_ckpt=2), "unknown argument 'max_keep_ckpt' "
         r"\(did you mean 'max_keep_ckpts'\?\)"),
        (dict(interval='1'), r"checkpoint.interval must be an int >= 1 .*"
         r"got '1' \(str\)"),
        (dict(max_keep_ckpts=0), 'max_keep_ckpts must be an int >= 1'),
        (dict(rule='bigger'), "rule must be 'greater', 'less'"),
        (dict(filename_tmpl='epoch.pth'), r"filename_tmpl must be a file "
         r"name with one '\{\}'"),
        (dict(save_best=5), 'save_best must be a metric name'),
    ]
    for args, match in cases:
        with pytest.raises(ValueError, match=match):
            HOOKS.build(dict(type='SafeCheckpointHook', **args))
    # from a config: refused when the runner is built, before any training
    cfg = tiny_cfg(rendered_benchmark, tmp_path, 1)
    cfg.default_hooks.checkpoint.update(max_keep_ckpt=2)
    with pytest.raises(ValueError, match='max_keep_ckpt'):
        Runner.from_cfg(cfg)
    HOOKS.build(dict(type='SafeCheckpointHook', interval=5, max_keep_ckpts=3,
                     save_best='auto', filename_tmpl='iter_{}.pth'))
    # the drawing hook of tools/test.py --show-dir: found when built, not at
    # the first drawn clip
    with pytest.raises(ValueError, match=r"unknown argument 'draw_scores' "
                       r"\(did you mean 'draw_score'\?\)"):
        HOOKS.build(dict(type='ClipVisualizationHook', draw_scores=False))
    with pytest.raises(ValueError, match='allow_partial must be True or'):
        HOOKS.build(dict(type='LoadStageCheckpointHook', stage='stage2',
                         run='{stage}_k400', allow_partial='no'))


def test_kill_during_save_best_keeps_the_previous_best(trained, monkeypatch):
    work, runner = trained
    hook = next(h for h in runner.hooks if isinstance(h, SafeCheckpointHook))
    first = work / 'best_acc_top1_epoch_1.pth'  # validated at its end
    best = runner.message_hub.get_info('best_score')
    assert safe_load(str(first))['meta']['epoch'] == 1
    put = LocalBackend.put

    def killed(self, obj, filepath):
        with open(filepath, 'wb') as f:  # half written, then killed
            f.write(obj[:len(obj) // 2])
        raise _Killed(filepath)

    runner.train_loop._epoch = 2
    monkeypatch.setattr(LocalBackend, 'put', killed)
    with pytest.raises(_Killed):
        hook._save_best_checkpoint(runner, {'acc/top1': best + 0.1})
    monkeypatch.setattr(LocalBackend, 'put', put)
    assert safe_load(str(first))['state_dict']  # the previous best, whole
    assert not osp.exists(work / 'best_acc_top1_epoch_2.pth')  # no partial
    hook._save_best_checkpoint(runner, {'acc/top1': best + 0.2})
    assert safe_load(str(work / 'best_acc_top1_epoch_2.pth'))['state_dict']
    assert not osp.exists(first)  # removed once the new best is complete


def test_one_training_per_work_dir_stale_lock_taken_over(
        rendered_benchmark, tmp_path):
    work = tmp_path / 'work'
    holder = subprocess.Popen(
        [sys.executable, '-c',
         'import importlib.util, sys, time\n'
         f'spec = importlib.util.spec_from_file_location("l", {LOCK_MODULE!r})'
         '\nm = importlib.util.module_from_spec(spec)\n'
         'spec.loader.exec_module(m)\n'
         f'm.WorkDirLock({str(work)!r}).acquire()\n'
         'print("held", flush=True)\ntime.sleep(60)\n'],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == 'held'
        with pytest.raises(WorkDirBusyError,
                           match=rf'work_dir {work} is in use by another '
                           rf'training run: pid {holder.pid} on .*, started '):
            Runner.from_cfg(tiny_cfg(rendered_benchmark, work, 1)).train()
        assert glob.glob(str(work / '*.pth')) == []  # nothing written
    finally:
        os.kill(holder.pid, signal.SIGKILL)  # a crash: no clean-up
        holder.wait()
    assert osp.isfile(work / LOCK_NAME)
    runner = Runner.from_cfg(tiny_cfg(rendered_benchmark, work, 1))
    runner.train()
    log = open(osp.join(runner.log_dir, f'{runner.timestamp}.log')).read()
    assert f'took over the work-dir lock of pid {holder.pid} on ' in log
    assert 'which is no longer running' in log
    assert osp.isfile(work / 'epoch_1.pth')
    assert not osp.exists(work / LOCK_NAME)  # released at the end
    # test runs take no lock; a lock of this process is reused by its next
    # runner (e.g. after an exception ended the previous one)
    lock = WorkDirLock(str(work))
    lock.acquire()
    assert WorkDirLock(str(work)).acquire() is None
    lock.release()


def test_resume_into_another_optimizer_type_is_named(trained,
                                                      rendered_benchmark):
    work, _ = trained

    def resume_with(match, **optim_wrapper):
        cfg = tiny_cfg(rendered_benchmark, work, 2)
        for key, value in optim_wrapper.items():
            cfg.optim_wrapper[key] = value
        cfg.resume = True
        with pytest.raises(ForeignCheckpointError, match=match):
            Runner.from_cfg(cfg).train()

    resume_with(r"optimizer state was saved by SGD .*momentum.*"
                r"this config trains with AdamW .*betas.*KeyError: "
                r"'step'.*load_from=CHECKPOINT without --resume",
                optimizer=dict(type='AdamW', lr=1e-3))
    # the same type with other parameter groups (paramwise_cfg: one group
    # per parameter) is named too, instead of torch's group-size ValueError
    resume_with(r'its optimizer state has 1 parameter group\(s\)'
                r' of \[\d+\] parameters, this config\'s optimizer \d+ of',
                paramwise_cfg=dict(norm_decay_mult=0.))
