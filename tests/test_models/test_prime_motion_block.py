"""PrimeMotionBlock (appendix C.2): shapes, the parameter-free cost volume,
the replicated last frame pair, argument checks."""
import pytest
import torch

from mmaction.registry import MODELS
from mmhcml.models.backbones import PrimeMotionBlock
from mmhcml.models.ops import cost_volume
from mmhcml.models.ops.cost_volume_native import native_available
from tests.conftest import assert_same_training_state

#: the compiled CPU path, where a C compiler built it
NATIVE = ('native', ) if native_available() else ()


def test_prime_motion_block_shape_and_channels():
    pmb = MODELS.build(dict(type='PrimeMotionBlock', in_channels=16))
    assert pmb.num_costs == 49 and pmb.reduced_channels == 4
    out = pmb(torch.randn(2, 16, 4, 10, 10))
    assert out.shape == (2, 4, 4, 10, 10)
    assert sum(p.numel() for p in pmb.parameters()) > 0
    # the cost volume itself is parameter free: only reduce, norms and fuse
    assert {n.split('.')[0] for n, _ in pmb.named_parameters()} == {
        'reduce', 'cost_norm', 'fuse'}


def test_last_frame_is_paired_with_itself():
    pmb = MODELS.build(dict(type='PrimeMotionBlock', in_channels=4,
                            reduction=1, max_displacement=2, stride=1))
    feats = torch.randn(1, 4, 3, 6, 6)
    costs = pmb.temporal_cost_volume(feats)
    centre = costs[0, 12]  # displacement (0, 0)
    torch.testing.assert_close(centre[-1], torch.ones(6, 6))
    assert not torch.allclose(centre[0], torch.ones(6, 6))


def test_pmb_rejects_one_frame_and_bad_reduction():
    pmb = MODELS.build(dict(type='PrimeMotionBlock', in_channels=8))
    with pytest.raises(ValueError, match='at least 2 frames'):
        pmb(torch.randn(1, 8, 1, 4, 4))
    with pytest.raises(ValueError, match='reduction'):
        MODELS.build(dict(type='PrimeMotionBlock', in_channels=8, reduction=3))


@pytest.mark.parametrize('kwargs,match', [
    (dict(max_displacement=-1), 'max_displacement must be an int >= 0, got -1'),
    (dict(max_displacement=2.0), 'max_displacement must be an int >= 0, got 2.0'),
    (dict(stride=0), 'stride must be an int >= 1, got 0'),
])
def test_pmb_rejects_bad_displacements_as_the_cost_volume_does(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MODELS.build(dict(type='PrimeMotionBlock', in_channels=8, **kwargs))
    f = torch.randn(1, 2, 4, 4)
    with pytest.raises(ValueError, match=match):
        cost_volume(f, f, **dict(dict(max_displacement=2, stride=1), **kwargs))


def randomised_bns(module, seed=0):
    """Non-trivial running statistics and affine parameters in every BN."""
    gen = torch.Generator().manual_seed(seed)
    for bn in module.modules():
        if isinstance(bn, torch.nn.modules.batchnorm._BatchNorm):
            c = bn.num_features
            bn.running_mean.copy_(torch.randn(c, generator=gen) * 0.3)
            bn.running_var.copy_(torch.rand(c, generator=gen) + 0.5)
            bn.weight.data.copy_(torch.randn(c, generator=gen))
            bn.bias.data.copy_(torch.randn(c, generator=gen) * 0.5)
    return module


@pytest.mark.parametrize('impl', ['reference', 'fast', *NATIVE, 'auto'])
@pytest.mark.parametrize('fuse_kernel', [1, 3])
def test_folded_inference_equals_the_modules(impl, fuse_kernel):
    pmb = randomised_bns(MODELS.build(dict(
        type='PrimeMotionBlock', in_channels=16, fuse_kernel=fuse_kernel,
        cost_volume_impl=impl))).eval()
    x = torch.randn(2, 16, 3, 9, 10)
    with torch.no_grad():
        assert pmb.can_fold(x)
        folded = pmb(x)
        modules = pmb.forward_modules(x)
    # ReLU after the fuse conv: a good share of exact zeros in both
    assert 0.1 < (modules == 0).float().mean() < 0.9
    torch.testing.assert_close(folded, modules, rtol=1e-5, atol=1e-5)


def test_folding_follows_the_current_parameters():
    # folded weights are computed per call: a changed BN shows at once
    pmb = randomised_bns(MODELS.build(dict(
        type='PrimeMotionBlock', in_channels=8))).eval()
    x = torch.randn(1, 8, 2, 6, 6)
    with torch.no_grad():
        before = pmb(x)
        pmb.fuse.norm.bias.add_(1.0)
        after = pmb(x)
        torch.testing.assert_close(after, pmb.forward_modules(x))
    assert not torch.allclose(before, after)


def test_folding_only_at_inference():
    pmb = MODELS.build(dict(type='PrimeMotionBlock', in_channels=8))
    x = torch.randn(1, 8, 2, 6, 6)
    with torch.no_grad():
        assert not pmb.can_fold(x)  # training mode: batch statistics
    pmb.eval()
    assert not pmb.can_fold(x)  # grad enabled and trainable parameters
    with torch.no_grad():
        assert pmb.can_fold(x)
        assert not pmb.can_fold(x.double())
        pmb.fuse.register_forward_hook(lambda *args: None)
        assert not pmb.can_fold(x)  # hooks would be skipped
    frozen = MODELS.build(dict(type='PrimeMotionBlock', in_channels=8)).eval()
    frozen.requires_grad_(False)
    assert frozen.can_fold(x)  # a frozen eval block (progressive stages)
    assert not frozen.can_fold(x.requires_grad_())


@pytest.mark.parametrize('fuse_kernel', [1, 3])
def test_training_products_equal_the_conv_modules(fuse_kernel):
    """In training the 1x1x1 reduce and fuse convs run as matrix products
    on CPU; output, input gradient, weight gradients and the BN running
    statistics equal the ConvModules' own forward (``conv3d``)."""
    from mmhcml.models.backbones import prime_motion_block as module
    torch.manual_seed(0)
    blocks = [PrimeMotionBlock(in_channels=32, reduction=2, max_displacement=2,
                               stride=1, fuse_kernel=fuse_kernel).train()
              for _ in range(2)]
    blocks[1].load_state_dict(blocks[0].state_dict())
    # features far from zero norm: the cosine of Eq. 1 amplifies rounding
    # differences of near-zero feature vectors in its gradient
    x = torch.randn(2, 32, 3, 6, 7) + 2.0
    grad = torch.randn(2, 16, 3, 6, 7)
    convs_called = []
    for conv in (blocks[0].reduce.conv, blocks[0].fuse.conv):
        conv.forward = (lambda inp, conv=conv: convs_called.append(conv) or
                        type(conv).forward(conv, inp))
    results = []
    real = module._conv_module
    for block, run in zip(blocks, (real, lambda m, inp: m(inp))):
        module._conv_module = run
        try:
            inp = x.clone().requires_grad_()
            out = block(inp)
            out.backward(grad)
        finally:
            module._conv_module = real
        results.append((out, inp.grad, block))
    (out_a, grad_a, block_a), (out_b, grad_b, block_b) = results
    # the 1x1x1 convs ran as products; a 3x3 fuse conv as itself
    assert convs_called == ([] if fuse_kernel == 1 else [blocks[0].fuse.conv])
    torch.testing.assert_close(out_a, out_b, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(grad_a, grad_b, rtol=1e-5, atol=1e-6)
    assert_same_training_state(block_a, block_b, rtol=1e-5, atol=1e-6)


def test_training_products_only_for_plain_pointwise_convs():
    """A 3x3 fuse conv, or a conv with hooks, runs the module itself."""
    from mmhcml.models.backbones.prime_motion_block import _conv_module
    block = PrimeMotionBlock(in_channels=8, reduction=2, max_displacement=2,
                             stride=1, fuse_kernel=3).train()
    calls = []
    block.fuse.conv.register_forward_hook(lambda *a: calls.append('fuse'))
    block.reduce.conv.register_forward_hook(lambda *a: calls.append('red'))
    _conv_module(block.fuse, torch.randn(1, block.fuse.conv.in_channels, 2,
                                         5, 5))
    _conv_module(block.reduce, torch.randn(1, 8, 2, 5, 5))
    assert calls == ['fuse', 'red']
