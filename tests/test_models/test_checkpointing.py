"""``with_cp``: same losses, gradients and BN statistics, less saved memory."""
import copy
import weakref

import pytest
import torch
import torch.nn as nn

from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmhcml.models.heads.flow_reconstruction_head import \
    conv_rebuilding_input
from mmhcml.models.utils import checkpoint_segment, running_stats_frozen
from tests.conftest import assert_same_training_state, tiny_model_cfg


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
    # gradients, and buffers: recomputation must not update running
    # statistics a second time
    assert_same_training_state(checked, plain, rtol=1e-4, atol=1e-6)
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


class _ProbeConv(nn.Conv2d):
    """A conv that remembers (weakly) the input it was called with."""

    def forward(self, x):
        self.seen = weakref.ref(x)
        return super().forward(x)


@pytest.mark.parametrize('autocast', [False, True])
def test_conv_rebuilding_input_keeps_no_concatenation(autocast, monkeypatch):
    """Memory-efficient DenseNet: the concatenation a conv reads is not
    kept for the backward pass but rebuilt; values and gradients equal the
    plain conv of the concatenation (bf16 autocast included)."""
    import mmhcml.models.heads.flow_reconstruction_head as module
    notes = []

    class CountedRebuild(module._Rebuild):

        def __new__(cls, *args):
            notes.append(args)
            return super().__new__(cls, *args)

    monkeypatch.setattr(module, '_Rebuild', CountedRebuild)
    torch.manual_seed(0)
    conv = _ProbeConv(7, 3, 3, padding=1)
    parts = [torch.randn(2, 4, 6, 5, requires_grad=True),
             torch.randn(2, 3, 6, 5, requires_grad=True)]
    grad = torch.randn(2, 3, 6, 5)

    def run(fn):
        for p in parts + list(conv.parameters()):
            p.grad = None
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=autocast):
            out = fn()
        kept = conv.seen() is not None
        out.float().backward(grad)
        return (out.detach().float(), kept,
                [p.grad.clone() for p in parts + list(conv.parameters())])

    plain, kept_plain, grads_plain = run(
        lambda: conv(torch.cat(parts, dim=1)))
    rebuilt, kept_rebuilt, grads_rebuilt = run(
        lambda: conv_rebuilding_input(conv, parts))
    # the plain conv keeps its fp32 input (under autocast a bf16 copy);
    # the rebuilding one keeps a note of the dtype and layout instead
    assert kept_plain != autocast and not kept_rebuilt
    assert [dtype for dtype, _ in notes] == [
        torch.bfloat16 if autocast else torch.float32]
    torch.testing.assert_close(rebuilt, plain, rtol=0, atol=0)
    for a, b in zip(grads_rebuilt, grads_plain):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_flow_head_with_cp_runs_each_conv_once():
    """``with_cp`` rebuilds the concatenations instead of running the
    estimator's convs a second time in the backward pass; same gradients."""
    from mmhcml.models.heads.flow_reconstruction_head import \
        FlowReconstructionHead
    heads, calls = {}, {}
    for with_cp in (False, True):
        torch.manual_seed(0)
        head = FlowReconstructionHead(in_channels=6, dense_channels=(4, 3),
                                      with_cp=with_cp).train()
        torch.nn.init.normal_(head.predict_flow.weight, std=0.1)
        calls[with_cp] = []
        for conv in [layer[0] for layer in head.dense] + [head.predict_flow]:
            conv.register_forward_hook(
                lambda *a, log=calls[with_cp]: log.append(1))
        feats = torch.randn(1, 6, 3, 4, 4, requires_grad=True)
        frames = torch.rand(1, 3, 3, 16, 16)
        head.loss((feats, ), frames)['loss_rec_l1'].backward()
        heads[with_cp] = (head, feats.grad)
    assert len(calls[True]) == len(calls[False]) == 3
    torch.testing.assert_close(heads[True][1], heads[False][1])
    assert_same_training_state(heads[True][0], heads[False][0],
                               buffers=False)
