"""``conv_bn_residual`` equals ``residual + BN(conv(x))``: outputs,
gradients and running statistics, in training and eval mode."""
import copy

import pytest
import torch
import torch.nn as nn

from mmhcml.models.ops import channel_moments, conv_bn_residual, foldable


def modules(c_in=6, c_out=10, momentum=0.1):
    conv = nn.Conv3d(c_in, c_out, 1, bias=False)
    bn = nn.BatchNorm3d(c_out, momentum=momentum)
    with torch.no_grad():
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-0.5, 0.5)
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2)
    return conv, bn


def inputs(c_in=6, c_out=10, shape=(2, 3, 5, 4)):
    n, t, h, w = shape
    residual = torch.randn(n, c_out, t, h, w, requires_grad=True)
    # post-ReLU motion features: non-negative, mean of the order of the std
    x = torch.relu(torch.randn(n, c_in, t, h, w) + 0.5).requires_grad_()
    return residual, x


@pytest.mark.parametrize('training', [True, False])
@pytest.mark.parametrize('momentum', [0.1, None])
def test_equals_the_modules(training, momentum):
    conv, bn = modules(momentum=momentum)
    conv2, bn2 = copy.deepcopy(conv), copy.deepcopy(bn)
    bn.train(training)
    bn2.train(training)
    residual, x = inputs()
    residual2 = residual.detach().clone().requires_grad_()
    x2 = x.detach().clone().requires_grad_()
    expected = residual + bn(conv(x))
    out = conv_bn_residual(residual2, x2, conv2, bn2)
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-5)
    grad = torch.randn_like(out)
    expected.backward(grad)
    out.backward(grad)
    for a, b in ((residual, residual2), (x, x2),
                 (conv.weight, conv2.weight), (bn.weight, bn2.weight),
                 (bn.bias, bn2.bias)):
        torch.testing.assert_close(b.grad, a.grad, rtol=1e-4, atol=1e-5)
    for name in ('running_mean', 'running_var', 'num_batches_tracked'):
        torch.testing.assert_close(getattr(bn2, name), getattr(bn, name))


def test_repeated_steps_keep_running_stats_equal():
    conv, bn = modules()
    conv2, bn2 = copy.deepcopy(conv), copy.deepcopy(bn)
    for _ in range(3):
        residual, x = inputs()
        residual + bn(conv(x))
        conv_bn_residual(residual, x, conv2, bn2)
    torch.testing.assert_close(bn2.running_var, bn.running_var)
    torch.testing.assert_close(bn2.running_mean, bn.running_mean)
    assert bn2.num_batches_tracked.item() == 3


def test_keeps_nothing_of_the_output_width_for_backward():
    conv, bn = modules(c_in=4, c_out=64)
    residual, x = inputs(c_in=4, c_out=64, shape=(2, 4, 8, 8))
    sizes = {}
    for name, fn in (('modules', lambda: residual + bn(conv(x))),
                     ('folded', lambda: conv_bn_residual(residual, x, conv,
                                                         bn))):
        saved = []
        with torch.autograd.graph.saved_tensors_hooks(
                lambda t: saved.append(t.numel()) or t, lambda t: t):
            fn()
        sizes[name] = max(saved)
    assert sizes['modules'] >= residual.numel()  # the conv output, for BN
    assert sizes['folded'] <= x.numel()


def test_falls_back_for_other_modules():
    conv, bn = modules()
    residual, x = inputs()
    sync = nn.SyncBatchNorm(10)
    biased = nn.Conv3d(6, 10, 1, bias=True)
    assert not foldable(conv, sync) and not foldable(biased, bn)
    assert not foldable(nn.Conv3d(6, 10, (1, 3, 3), padding=(0, 1, 1),
                                  bias=False), bn)
    assert foldable(conv, bn)
    from mmcv.cnn import ConvModule
    built = ConvModule(6, 10, 1, bias=False, conv_cfg=dict(type='Conv3d'),
                       norm_cfg=dict(type='BN3d'), act_cfg=None)
    assert foldable(built.conv, built.norm)  # what HCMLBackbone builds
    bn.eval()
    torch.testing.assert_close(conv_bn_residual(residual, x, biased, bn),
                               residual + bn(biased(x)))


def test_hooks_custom_forwards_and_mixed_dtypes_fall_back():
    conv, bn = modules()
    residual, x = inputs()
    bn.eval()
    calls = []
    handle = conv.register_forward_hook(lambda *a: calls.append(1))
    assert not foldable(conv, bn)
    conv_bn_residual(residual, x, conv, bn)
    assert calls == [1]  # the module ran, so its hook did
    handle.remove()

    class OwnForward(nn.BatchNorm3d):
        def forward(self, t):
            return super().forward(t) * 2

    assert not foldable(conv, OwnForward(10))
    out = conv_bn_residual(residual.detach().double(), x.detach(), conv, bn)
    assert out.dtype == torch.float64  # as residual + bn(conv(x)) gives


def test_bad_shapes_are_named():
    conv, bn = modules()
    residual, x = inputs()
    with pytest.raises(ValueError, match='does not match'):
        conv_bn_residual(residual[:, :5], x, conv, bn)
    with pytest.raises(ValueError, match='more than 1 value'):
        conv_bn_residual(residual[:1, :, :1, :1, :1], x[:1, :, :1, :1, :1],
                         conv, bn)
    with pytest.raises(ValueError, match=r'\(N, C, L\)'):
        channel_moments(x)
    with pytest.raises(ValueError, match='N, L > 0'):
        channel_moments(torch.zeros(2, 3, 0))


def test_channel_moments_values_and_gradient():
    x = torch.randn(2, 3, 7, requires_grad=True)
    ref = x.detach().clone().requires_grad_()
    mean, second = channel_moments(x)
    flat = ref.transpose(0, 1).reshape(3, -1)
    ref_mean, ref_second = flat.mean(1), flat @ flat.t() / flat.shape[1]
    torch.testing.assert_close(mean, ref_mean)
    torch.testing.assert_close(second, ref_second)
    gm, gs = torch.randn(3), torch.randn(3, 3)
    ((mean * gm).sum() + (second * gs).sum()).backward()
    ((ref_mean * gm).sum() + (ref_second * gs).sum()).backward()
    torch.testing.assert_close(x.grad, ref.grad)


def test_half_inputs_keep_float32_statistics():
    # momentum=None: after one batch the running statistics *are* the batch
    # statistics, so they show the precision the folding used
    conv, bn = modules(momentum=None)
    bn_ref = copy.deepcopy(bn)
    residual, x = inputs()
    residual, x = residual.detach().bfloat16(), x.detach().bfloat16()
    out = conv_bn_residual(residual, x, conv, bn)
    assert out.dtype == torch.bfloat16
    with torch.no_grad():  # float32 modules on the same (rounded) inputs
        expected = residual.float() + bn_ref(conv(x.float()))
    # statistics in float32: equal to float32 BN to float32 rounding (bf16
    # moments are off by 1e-4 to 1e-2 here)
    assert bn.running_mean.dtype == torch.float32
    torch.testing.assert_close(bn.running_mean, bn_ref.running_mean,
                               rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(bn.running_var, bn_ref.running_var, rtol=1e-5,
                               atol=1e-6)
    # the output is off only by bf16 rounding of the folded weights and of
    # the result (values up to ~4, where a bf16 step is 2^-6)
    torch.testing.assert_close(out.float(), expected, rtol=2**-6,
                               atol=2**-5)


@pytest.mark.parametrize('bias,affine,kernel', [(False, True, 1),
                                                (True, True, 3),
                                                (True, False, 3)])
def test_fold_conv_bn_equals_the_modules_in_eval(bias, affine, kernel):
    from mmhcml.models.ops import fold_conv_bn, inference_foldable
    torch.manual_seed(0)
    conv = nn.Conv3d(5, 7, (1, kernel, kernel), padding=(0, kernel // 2,
                                                         kernel // 2),
                     bias=bias)
    bn = nn.BatchNorm3d(7, affine=affine)
    bn.running_mean.uniform_(-1, 1)
    bn.running_var.uniform_(0.5, 2)
    if affine:
        nn.init.normal_(bn.weight)
        nn.init.normal_(bn.bias)
    bn.eval()
    assert inference_foldable(conv, bn)
    x = torch.randn(2, 5, 3, 6, 6)
    weight, shift = fold_conv_bn(conv, bn)
    with torch.no_grad():
        torch.testing.assert_close(
            nn.functional.conv3d(x, weight, shift, padding=conv.padding),
            bn(conv(x)), rtol=1e-5, atol=1e-5)
    bn.train()
    assert not inference_foldable(conv, bn)  # batch statistics
