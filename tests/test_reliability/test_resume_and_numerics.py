"""Resume continues bit-identically; losses stay finite under autocast and
degenerate inputs; a non-finite loss stops training, naming the term."""
import copy
import math
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmaction.registry import HOOKS, MODELS
from mmaction.structures import ActionDataSample
from mmhcml.engine.hooks import NonFiniteLossError
from tests.conftest import tiny_model_cfg

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY = osp.join(ROOT, 'configs/hcml/tiny/hcml_tiny_joint_synthetic.py')
LOSSES = []


@HOOKS.register_module(force=True)
class _RecordLossHook(Hook):

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        LOSSES.append({k: float(v) for k, v in outputs.items()
                       if 'loss' in k})


def tiny_runner_cfg(info, work_dir, epochs, resume=False):
    cfg = Config.fromfile(TINY)
    cfg.work_dir = str(work_dir)
    cfg.experiment_name = f'{work_dir.name}_{epochs}_{resume}'
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key].update(num_workers=0, persistent_workers=False)
        cfg[key].dataset.data_prefix = dict(
            video=osp.join(info['root'], 'videos'))
    cfg.train_dataloader.batch_size = 4
    cfg.train_dataloader.dataset.ann_file = osp.join(info['root'], 'train.txt')
    cfg.val_dataloader.dataset.ann_file = osp.join(info['root'], 'val.txt')
    cfg.train_cfg.max_epochs = epochs
    cfg.train_cfg.val_interval = 10
    cfg.param_scheduler = []
    cfg.randomness = dict(seed=7, deterministic=True)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
    cfg.custom_hooks = [dict(type='_RecordLossHook')]
    cfg.resume = resume
    return cfg


def test_resume_continues_bit_identically(rendered_benchmark, tmp_path):
    LOSSES.clear()
    Runner.from_cfg(tiny_runner_cfg(rendered_benchmark, tmp_path / 'a',
                                    2)).train()
    straight = list(LOSSES)
    assert len(straight) == 8  # 14 clips, 4 per batch, 2 epochs
    LOSSES.clear()
    Runner.from_cfg(tiny_runner_cfg(rendered_benchmark, tmp_path / 'b',
                                    1)).train()
    first = list(LOSSES)
    LOSSES.clear()
    Runner.from_cfg(tiny_runner_cfg(rendered_benchmark, tmp_path / 'b', 2,
                                    resume=True)).train()
    resumed = list(LOSSES)
    assert first == straight[:4]
    assert resumed == straight[4:]  # exact float equality, every term


def test_non_finite_loss_stops_training_naming_the_term(rendered_benchmark,
                                                        tmp_path):
    cfg = tiny_runner_cfg(rendered_benchmark, tmp_path, 1)
    cfg.model.motion_heads[0]['loss_weight'] = float('inf')
    runner = Runner.from_cfg(cfg)
    with pytest.raises(NonFiniteLossError, match=r'iteration 1 .*loss_rec_l1=inf'):
        runner.train()
    assert not osp.exists(osp.join(str(tmp_path), 'epoch_1.pth'))


def test_non_finite_hook_checks_only_loss_terms():
    hook = HOOKS.build(dict(type='NonFiniteLossHook'))
    runner = SimpleNamespace(iter=4, epoch=0)
    hook.after_train_iter(runner, 0, outputs=dict(loss=1.0, grad_norm=math.inf))
    with pytest.raises(NonFiniteLossError, match='loss_con_l2=nan'):
        hook.after_train_iter(runner, 0,
                              outputs=dict(loss=math.nan, loss_con_l2=math.nan))


def samples(n):
    return [ActionDataSample().set_gt_label(i % 4) for i in range(n)]


@pytest.mark.parametrize('with_cp', [False, True])
@pytest.mark.parametrize('dtype', [torch.bfloat16, torch.float16])
def test_autocast_training_gives_finite_float32_losses(dtype, with_cp):
    cfg = tiny_model_cfg()
    cfg['backbone']['with_cp'] = with_cp
    cfg['motion_heads'][0]['with_cp'] = with_cp
    model = MODELS.build(cfg)
    x = torch.randn(2, 1, 3, 8, 64, 64)
    with torch.autocast('cpu', dtype=dtype):
        losses = model(x, samples(2), mode='loss')
    for key in ('loss_rec_l1', 'loss_con_l2', 'loss_con_l3'):
        assert losses[key].dtype == torch.float32, key
    assert all(torch.isfinite(v).all() for v in losses.values())
    loss, _ = model.parse_losses(losses)
    loss.backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters()
               if p.grad is not None)


@pytest.mark.parametrize('value', [0.0, 0.5])
def test_constant_frames_and_zero_features_stay_finite(value):
    model = MODELS.build(tiny_model_cfg())
    dp = model.data_preprocessor
    frames = torch.full((2, 1, 3, 8, 64, 64), value * 255)
    clips = (frames - dp.mean) / dp.std
    losses = model(clips, samples(2), mode='loss')
    assert all(torch.isfinite(v).all() for v in losses.values())
    head = model.motion_heads['con_l2']
    zeros = (torch.zeros(2, 4, 8, 16, 16), torch.zeros(2, 8, 4, 8, 8))
    out = head.loss(zeros)
    assert all(torch.isfinite(v) for v in out.values())
    out['loss_con_l2'].backward()


@pytest.mark.parametrize('shape,match', [
    ((1, 3, 8, 60, 64), r'input size 60x64 is not divisible by the spatial '
                        r'stride 16'),
    ((1, 3, 6, 64, 64), r'clip length T=6 must be a multiple of the temporal '
                        r'stride 4'),
    ((1, 3, 4, 64, 64), r'at least 8'),
    ((3, 8, 64, 64), r'expects clips \(N, C, T, H, W\)'),
])
def test_input_shapes_the_strides_do_not_divide(shape, match):
    model = MODELS.build(tiny_model_cfg())
    with pytest.raises(ValueError, match=match):
        model.backbone(torch.randn(*shape))
