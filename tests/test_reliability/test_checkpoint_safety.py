"""Checkpoints: weights-only loads whatever torch's default, foreign
checkpoints refused (partial loads only on purpose), crash-safe saves and a
resume that falls back, messages for empty and non-dict files, the opt-in
divergence guard."""
import glob
import os
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from mmengine.fileio.backends.local_backend import LocalBackend
from mmengine.runner import Runner, load_checkpoint
from mmengine.runner.checkpoint import _load_checkpoint

from mmaction.registry import HOOKS, MODELS
from mmhcml.cli import test as test_tool
from mmhcml.engine.checkpoint_io import (UnreadableCheckpointError,
                                         UnsafeCheckpointError)
from mmhcml.engine.hooks import DivergedLossError, ForeignCheckpointError
from tests.conftest import data_overrides, tiny_model_cfg

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY = osp.join(ROOT, 'configs/hcml/tiny/hcml_tiny_joint_synthetic.py')


class _Payload:
    """Unpickling it would create a directory: the proof code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.mkdir, (self.marker, )


class _Killed(Exception):
    """Stands for the process being killed."""


def test_crafted_checkpoint_refused_under_pre_2_6_default(tmp_path,
                                                          monkeypatch):
    # torch's pre-2.6 default (weights_only=False) forced for every call
    # that does not pass weights_only explicitly
    monkeypatch.setenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', '1')
    marker = str(tmp_path / 'payload_ran')
    path = str(tmp_path / 'crafted.pth')
    torch.save({'state_dict': {}, 'meta': _Payload(marker)}, path)
    model = MODELS.build(tiny_model_cfg())
    for load in (lambda: _load_checkpoint(path),  # load_from/resume/test
                 lambda: load_checkpoint(model, path)):  # analysis tools
        with pytest.raises(UnsafeCheckpointError) as error:
            load()
        text = str(error.value)
        assert 'refused to load checkpoint' in text and 'crafted.pth' in text
        assert 'weights_only=False is not the fix' in text
        assert 'GLOBAL posix.mkdir' in text or 'mkdir' in text
        assert not osp.exists(marker)


def test_empty_and_non_dict_checkpoints_have_messages(tmp_path):
    empty = tmp_path / 'empty.pth'
    empty.write_bytes(b'')
    with pytest.raises(UnreadableCheckpointError, match=r'empty \(0 bytes\)'):
        _load_checkpoint(str(empty))
    listed = str(tmp_path / 'list.pth')
    torch.save([torch.zeros(2)], listed)
    with pytest.raises(UnreadableCheckpointError,
                       match='holds a list, not a dict'):
        _load_checkpoint(listed)
    whole = str(tmp_path / 'whole.pth')
    torch.save({'state_dict': {'w': torch.zeros(3)}, 'meta': {}}, whole)
    data = open(whole, 'rb').read()
    (tmp_path / 'cut.pth').write_bytes(data[:len(data) // 2])
    with pytest.raises(UnreadableCheckpointError, match='truncated'):
        _load_checkpoint(str(tmp_path / 'cut.pth'))


def tiny_cfg(info, work_dir, epochs, **hooks):
    cfg = Config.fromfile(TINY)
    cfg.merge_from_dict(dict(o.split('=', 1) for o in data_overrides(info)))
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key].num_workers = 0
        cfg[key].persistent_workers = False
    cfg.work_dir = str(work_dir)
    cfg.train_cfg.max_epochs = epochs
    cfg.train_cfg.val_interval = 100
    cfg.default_hooks.checkpoint.update(interval=1, save_best=None)
    cfg.default_hooks.update(hooks)
    cfg.randomness = dict(seed=0)
    return cfg


def baseline_checkpoint(tmp_path):
    """A baseline R2D (the HCML backbone's inner network + a head)."""
    tiny = Config.fromfile(TINY).model
    baseline = MODELS.build(
        dict(type='Recognizer3D', backbone=tiny.backbone.backbone,
             cls_head=tiny.cls_head,
             data_preprocessor=tiny.data_preprocessor))
    path = str(tmp_path / 'baseline.pth')
    torch.save({'state_dict': baseline.state_dict(), 'meta': {}}, path)
    return path, baseline.state_dict()


def test_foreign_checkpoint_refused_partial_load_on_purpose(
        rendered_benchmark, tmp_path):
    path, weights = baseline_checkpoint(tmp_path)
    opts = data_overrides(rendered_benchmark)
    with pytest.raises(ForeignCheckpointError) as error:
        test_tool.main([TINY, path, '--work-dir', str(tmp_path / 't'),
                        '--cfg-options', *opts])
    text = str(error.value)
    assert 'nothing was loaded' in text
    assert 'missing keys' in text and 'backbone.backbone.conv1' in text
    assert 'unexpected keys' in text and 'backbone.conv1.conv.weight' in text

    cfg = tiny_cfg(rendered_benchmark, tmp_path / 'r', 1)
    with pytest.raises(ForeignCheckpointError, match='missing keys'):
        Runner.from_cfg(cfg).resume(path)  # not an optimizer crash

    cfg = tiny_cfg(rendered_benchmark, tmp_path / 'p', 1, checkpoint_match=dict(
        partial=dict(prefix='backbone.', target='backbone.backbone.')))
    runner = Runner.from_cfg(cfg)
    runner.load_checkpoint(path)
    own = runner.model.state_dict()
    name = 'backbone.conv1.conv.weight'
    assert torch.equal(own['backbone.' + name], weights[name])
    assert not torch.equal(own['cls_head.fc_cls.weight'],
                           weights['cls_head.fc_cls.weight'])
    with pytest.raises(ValueError, match='non-empty prefix'):
        HOOKS.build(dict(type='CheckpointMatchHook', partial=dict(prefix='')))


def test_crash_during_save_loses_nothing_and_resume_falls_back(
        rendered_benchmark, tmp_path, monkeypatch):
    work = tmp_path / 'work'
    put = LocalBackend.put
    saves = []

    def killed_on_third_save(self, obj, filepath):
        if str(filepath).endswith(('.pth', '.tmp')):
            saves.append(filepath)
            if len(saves) == 3:  # killed half way through the write
                with open(filepath, 'wb') as f:
                    f.write(obj[:len(obj) // 2])
                raise _Killed('killed during the save')
        return put(self, obj, filepath)

    monkeypatch.setattr(LocalBackend, 'put', killed_on_third_save)
    with pytest.raises(_Killed):
        Runner.from_cfg(tiny_cfg(rendered_benchmark, work, 3)).train()
    monkeypatch.setattr(LocalBackend, 'put', put)
    names = sorted(osp.basename(p) for p in glob.glob(str(work / '*.pth')))
    assert names == ['epoch_1.pth', 'epoch_2.pth']  # no partial epoch_3
    with open(work / 'last_checkpoint') as f:
        assert osp.basename(f.read()) == 'epoch_2.pth'
    assert _load_checkpoint(str(work / 'epoch_2.pth'))['meta']['epoch'] == 2

    # a truncated newest checkpoint (a copy cut short): --resume falls back
    data = (work / 'epoch_2.pth').read_bytes()
    (work / 'epoch_2.pth').write_bytes(data[:len(data) // 2])
    cfg = tiny_cfg(rendered_benchmark, work, 3)
    cfg.resume = True
    runner = Runner.from_cfg(cfg)
    runner.train()
    log = open(sorted(glob.glob(str(work / '*' / '*.log')))[-1]).read()
    assert 'epoch_2.pth cannot be loaded (UnreadableCheckpointError' in log
    assert 'resuming from ' in log and 'epoch_1.pth instead' in log
    assert 'resumed epoch: 1' in log
    assert _load_checkpoint(str(work / 'epoch_3.pth'))['meta']['epoch'] == 3
    # an explicit --resume PATH is not replaced; the error names the fallback
    (work / 'epoch_3.pth').write_bytes(b'')
    cfg = tiny_cfg(rendered_benchmark, work, 4)
    cfg.resume, cfg.load_from = True, str(work / 'epoch_3.pth')
    with pytest.raises(UnreadableCheckpointError,
                       match=r'empty \(0 bytes\).*loads is .*epoch_2.pth'):
        Runner.from_cfg(cfg).train()


def test_divergence_guard_stops_at_factor_times_running_median():
    hook = HOOKS.build(dict(type='DivergenceGuardHook', factor=100, window=5,
                            warmup=3))
    runner = SimpleNamespace(iter=6, epoch=0)
    for loss in (2.0, 1.0, 3.0, 4.0):  # median of the window: 2.5
        hook.after_train_iter(runner, 0, outputs=dict(loss=loss))
    hook.after_train_iter(runner, 0, outputs=dict(loss=249.0))
    # window 2, 1, 3, 4, 249: median 3 -> limit 300; then 1, 3, 4, 249,
    # 299: median 4 -> limit 400
    hook.after_train_iter(runner, 0, outputs=dict(loss=299.0))
    with pytest.raises(DivergedLossError,
                       match=r'iteration 7 .*401 is more than 100 x the '
                       r'median 4 of the last 5'):
        hook.after_train_iter(runner, 0, outputs=dict(loss=401.0))
    with pytest.raises(ValueError, match='factor'):
        HOOKS.build(dict(type='DivergenceGuardHook', factor=1))
