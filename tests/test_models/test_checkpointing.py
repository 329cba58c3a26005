"""``with_cp``: same losses, gradients and BN statistics, less saved memory."""
import copy

import pytest
import torch
import torch.nn as nn

from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmhcml.models.utils import checkpoint_segment, running_stats_frozen
from tests.conftest import tiny_model_cfg


def cp_cfg(with_cp):
    cfg = tiny_model_cfg()
    cfg['backbone']['with_cp'] = with_cp
    for head in cfg['motion_heads']:
        if head['type'] == 'FlowReconstructionHead':
            head['with_cp'] = with_cp
    return cfg


def train_step(model, clips, samples):
    """Loss + backward; returns the losses and the bytes saved for backward."""
    saved = []

    def pack(t):
        saved.append(t.untyped_storage().nbytes())
        return t

    torch.manual_seed(1)  # the contrastive heads sample locations
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        losses = model(clips, samples, mode='loss')
        loss, _ = model.parse_losses(losses)
    loss.backward()
    return losses, sum(saved)


def test_with_cp_matches_plain_training_and_saves_memory():
    plain = MODELS.build(cp_cfg(False))
    checked = MODELS.build(cp_cfg(True))
    checked.load_state_dict(plain.state_dict())
    clips = torch.randn(2, 1, 3, 8, 64, 64)
    samples = [ActionDataSample().set_gt_label(i) for i in range(2)]
    losses_a, saved_a = train_step(plain.train(), clips, samples)
    losses_b, saved_b = train_step(checked.train(), clips, samples)
    for key in ('loss_cls', 'loss_rec_l1', 'loss_con_l2', 'loss_con_l3'):
        torch.testing.assert_close(losses_b[key], losses_a[key])
    grads_a = dict(plain.named_parameters())
    for name, param in checked.named_parameters():
        torch.testing.assert_close(param.grad, grads_a[name].grad,
                                   rtol=1e-4, atol=1e-6, msg=name)
    # recomputation must not update running statistics a second time
    buffers_a = dict(plain.named_buffers())
    for name, buf in checked.named_buffers():
        torch.testing.assert_close(buf, buffers_a[name], msg=name)
    assert checked.backbone.motion_blocks['level1'].cost_norm \
        .num_batches_tracked.item() == 1
    # the checkpointed blocks and estimator keep only their inputs
    assert saved_b < 0.8 * saved_a, (saved_b, saved_a)


def test_with_cp_off_at_inference_and_under_no_grad(monkeypatch):
    model = MODELS.build(cp_cfg(True))
    calls = []
    monkeypatch.setattr('mmhcml.models.backbones.hcml_backbone.'
                        'checkpoint_segment',
                        lambda *a, **k: calls.append(1))
    model.eval()
    model(torch.randn(1, 1, 3, 8, 64, 64), mode='tensor')
    model.train()
    with torch.no_grad():
        model.backbone(torch.randn(1, 3, 8, 64, 64))
    assert calls == []


def test_running_stats_frozen_undoes_the_updates():
    bn = nn.Sequential(nn.BatchNorm2d(3), nn.BatchNorm2d(3, momentum=None))
    untracked = nn.BatchNorm2d(3, track_running_stats=False)
    x = torch.randn(4, 3, 5, 5) * 3 + 1
    with running_stats_frozen([bn, untracked]):
        out = bn[0](x)
        bn[1](x)
        untracked(x)
        assert bn[0].num_batches_tracked.item() == 1  # updated inside
    for layer in bn:
        assert layer.num_batches_tracked.item() == 0
        torch.testing.assert_close(layer.running_mean, torch.zeros(3))
        torch.testing.assert_close(layer.running_var, torch.ones(3))
    # batch statistics were still used
    torch.testing.assert_close(out.mean(dim=(0, 2, 3)), torch.zeros(3),
                               atol=1e-5, rtol=0)


def test_running_stats_frozen_covers_other_norms_with_statistics():
    inorm = nn.InstanceNorm2d(3, track_running_stats=True)
    x = torch.randn(4, 3, 5, 5) + 2
    with running_stats_frozen([inorm]):
        inorm(x)
    torch.testing.assert_close(inorm.running_mean, torch.zeros(3))
    assert inorm.num_batches_tracked.item() == 0


def test_plain_checkpoint_would_count_bn_twice():
    """What the guard prevents: torch's checkpoint re-runs BN updates."""
    from torch.utils.checkpoint import checkpoint
    x = torch.randn(4, 3, 5, 5, requires_grad=True)
    plain, guarded = nn.BatchNorm2d(3), nn.BatchNorm2d(3)
    checkpoint(plain, x, use_reentrant=False).sum().backward()
    checkpoint_segment(guarded, x, modules=[guarded]).sum().backward()
    assert plain.num_batches_tracked.item() == 2
    assert guarded.num_batches_tracked.item() == 1


@pytest.mark.parametrize('bad', [1, 'yes'])
def test_with_cp_must_be_bool(bad):
    cfg = cp_cfg(False)
    cfg['backbone']['with_cp'] = bad
    with pytest.raises(ValueError, match='with_cp'):
        MODELS.build(copy.deepcopy(cfg))
    cfg = cp_cfg(False)
    cfg['motion_heads'][0]['with_cp'] = bad
    with pytest.raises(ValueError, match='with_cp'):
        MODELS.build(cfg)


def test_with_cp_from_cfg_options_on_a_real_config():
    from mmengine.config import Config
    cfg = Config.fromfile('configs/hcml/joint_k400.py')
    cfg.merge_from_dict({'model.backbone.with_cp': True,
                         'model.motion_heads.0.with_cp': True})
    model = MODELS.build(cfg.model)
    assert model.backbone.with_cp and model.motion_heads['rec_l1'].with_cp
