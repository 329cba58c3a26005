"""Eq. 2, 3 and 4 on tiny examples whose values are worked out by hand here.

Every expected number below is written out from the paper's formulas
(section 3.2): the generalised Charbonnier ``rho(z) = (z^2 + eps^2)^alpha``
with ``alpha = 0.45``, ``eps = 1e-3``; the photometric term of Eq. 2 with
both normalisers (``'all'``: ``1/(HWT)`` as written, ``'valid'``: the
in-bound pixels), the smoothness term of Eq. 3, and InfoNCE of Eq. 4 over
cosine similarity divided by ``tau``. The head tests replace only the
learned flow estimator / nothing at all, so the warp direction, the mask,
``zeta``, ``lambda``, ``gamma``, ``tau``, the pooling of ``P^(l-1)`` and the
striding of frames per level are all checked against these numbers.
"""
import math

import pytest
import torch

from mmaction.registry import MODELS
from mmhcml.models.heads._level_utils import frames_at_level
from mmhcml.models.losses import info_nce, photometric_loss, smoothness_loss
from mmhcml.models.ops import backward_warp

ALPHA, EPS = 0.45, 1e-3


def rho(z):
    """The generalised Charbonnier penalty, by hand (float64)."""
    return (z * z + EPS * EPS)**ALPHA


RHO0 = rho(0.0)

# ---------------------------------------------------------------- Eq. 4 ---


def test_info_nce_two_predictions_three_targets_by_hand():
    # targets of lengths 2, 3 and 0.5 along +x, +y and -x (cosine ignores
    # the lengths); p0 points along +x (positive: target 0), p1 along
    # (-1, 1) (positive: target 2)
    targets = torch.tensor([[2.0, 0.0], [0.0, 3.0], [-0.5, 0.0]])
    preds = torch.tensor([[5.0, 0.0], [-1.0, 1.0]])
    positives = torch.tensor([0, 2])
    loss, logits = info_nce(preds, targets, positives, temperature=0.1)
    c = 1 / math.sqrt(2)
    # cosines: p0 -> (1, 0, -1); p1 -> (-c, c, c); logits = cos / tau
    torch.testing.assert_close(
        logits, torch.tensor([[10.0, 0.0, -10.0], [-10 * c, 10 * c, 10 * c]]))
    a = 10 * c
    loss0 = -math.log(math.exp(10) / (math.exp(10) + 1 + math.exp(-10)))
    loss1 = -math.log(math.exp(a) / (math.exp(-a) + 2 * math.exp(a)))
    assert loss.item() == pytest.approx((loss0 + loss1) / 2, rel=1e-6)
    # (log(1 + e^-10 + e^-20) + log(2 + e^-14.14)) / 2 = 0.346597
    assert loss.item() == pytest.approx(0.346597, abs=1e-6)
    # the temperature matters: tau = 1 gives
    # (log(1 + e^-1 + e^-2) + log(2 + e^-1.414)) / 2 = 0.6077
    loss_tau1, _ = info_nce(preds, targets, positives, temperature=1.0)
    b = c
    hand_tau1 = (-math.log(math.e / (math.e + 1 + 1 / math.e)) -
                 math.log(math.exp(b) / (math.exp(-b) + 2 * math.exp(b)))) / 2
    assert loss_tau1.item() == pytest.approx(hand_tau1, rel=1e-6)
    assert loss_tau1.item() == pytest.approx(0.6077, abs=1e-4)


def contrastive_head(**kwargs):
    cfg = dict(type='ContrastiveMotionHead', in_channels=3, target_channels=2,
               level=2, num_steps=2, num_locations=4,
               loss=dict(type='InfoNCELoss', temperature=0.1),
               loss_weight=0.25)
    cfg.update(kwargs)
    head = MODELS.build(cfg)
    torch.manual_seed(1)
    for p in head.parameters():  # non-trivial biases too
        torch.nn.init.normal_(p, std=0.7)
    return head


def test_lower_level_is_average_pooled_onto_the_level_grid():
    head = contrastive_head()
    # P^1: 1 channel, 4 frames of 2x2, values 0..15; P^2's grid is 2x1x1
    lower = torch.arange(16.).view(1, 1, 4, 2, 2).repeat(1, 2, 1, 1, 1)
    lower[:, 1] *= -1
    upper = torch.randn(1, 3, 2, 1, 1)
    seen = []
    original = head.forward
    head.forward = lambda m, c: seen.append(c) or original(m, c)
    head.num_locations = 1
    head.loss((lower, upper))
    # frames 0-1 hold 0..7 (mean 3.5), frames 2-3 hold 8..15 (mean 11.5);
    # a max pool would give 7 and 15
    expected = torch.tensor([3.5, 11.5]).view(1, 1, 2, 1, 1)
    torch.testing.assert_close(seen[0], torch.cat([expected, -expected], 1))


@torch.no_grad()
def eq4_by_hand(head, lower, upper):
    """Eq. 4 of a head with every position sampled, in float64 loops.

    Pools ``lower`` by block means, runs ``f_delta(x) = W2 ReLU(W1 x)``
    with the head's weights, and sums ``-log softmax`` over all targets.
    """
    n, c_t, t_low, h_low, w_low = lower.shape
    _, c_l, t, h, w = upper.shape
    st, sy, sx = t_low // t, h_low // h, w_low // w
    pooled = lower.double().reshape(n, c_t, t, st, h, sy, w, sx).mean(
        dim=(3, 5, 7))
    w1 = head.shared[0].weight.double()[:, :, 0, 0, 0]
    b1 = head.shared[0].bias.double()
    x = torch.cat([upper.double(), pooled], dim=1)  # [P^l, P^(l-1)]
    hidden = torch.relu(torch.einsum('oc,ncthw->nothw', w1, x) +
                        b1[None, :, None, None, None])
    preds = {}
    for delta, step in enumerate(head.steps, start=1):
        w2 = step.weight.double()[:, :, 0, 0, 0]
        b2 = step.bias.double()
        preds[delta] = torch.einsum('oc,ncthw->nothw', w2, hidden) + \
            b2[None, :, None, None, None]

    def unit(v):
        return v / v.norm()

    keys = [(b, y, xx, tt) for b in range(n) for y in range(h)
            for xx in range(w) for tt in range(t)]
    gts = {k: unit(pooled[k[0], :, k[3], k[1], k[2]]) for k in keys}
    losses, hits, temporal_hits = [], [], []
    for delta in range(1, min(head.num_steps, t - 1) + 1):
        for b, y, xx, tt in keys:
            if tt + delta >= t:
                continue
            p = unit(preds[delta][b, :, tt, y, xx])
            logit = {k: float(p @ g) / head.criterion.temperature for k, g in gts.items()}
            pos = (b, y, xx, tt + delta)
            denominator = sum(math.exp(v) for v in logit.values())
            losses.append(-math.log(math.exp(logit[pos]) / denominator))
            hits.append(max(logit, key=logit.get) == pos)
            track = {k: v for k, v in logit.items() if k[:3] == (b, y, xx)}
            temporal_hits.append(max(track, key=track.get) == pos)
    mean = sum(losses) / len(losses)
    return mean, sum(hits) / len(hits), sum(temporal_hits) / len(hits)


@pytest.mark.parametrize('tau,gamma', [(0.1, 0.25), (0.5, 1.0)])
def test_contrastive_head_loss_is_gamma_times_eq4(tau, gamma):
    head = contrastive_head(loss=dict(type='InfoNCELoss', temperature=tau),
                            loss_weight=gamma)
    torch.manual_seed(2)
    # level 1 at twice the resolution of level 2 in time and space; all
    # 2x2 = 4 positions sampled, so the loss does not depend on the draw
    lower = torch.randn(2, 2, 6, 4, 4)
    upper = torch.randn(2, 3, 3, 2, 2)
    out = head.loss((lower, upper))
    infonce, acc, temporal_acc = eq4_by_hand(head, lower, upper)
    assert out['loss_con_l2'].item() == pytest.approx(gamma * infonce,
                                                      rel=1e-5)
    assert out['con_acc_l2'].item() == pytest.approx(acc)
    assert out['con_temporal_acc_l2'].item() == pytest.approx(temporal_acc)


def test_contrastive_head_concatenates_upper_level_first():
    # equal widths, so swapping [P^l, P^(l-1)] would still run
    head = contrastive_head(in_channels=2)
    torch.manual_seed(3)
    lower, upper = torch.randn(2, 2, 3, 2, 2), torch.randn(2, 2, 3, 2, 2)
    infonce, _, _ = eq4_by_hand(head, lower, upper)
    out = head.loss((lower, upper))
    assert out['loss_con_l2'].item() == pytest.approx(0.25 * infonce,
                                                      rel=1e-5)


# ------------------------------------------------------------- Eq. 2, 3 ---

# I_t and I_t+1 (1 channel, 2x3): the top row moves one pixel to the right.
FRAME_T = [[0.1, 0.5, 0.9], [0.3, 0.7, 0.2]]
FRAME_T1 = [[0.0, 0.1, 0.5], [0.6, 0.3, 0.7]]
# u (pixels, from t to t+1); v = 0
FLOW_U = [[1.0, 1.0, 1.0], [1.0, 1.0, -0.5]]
# Sampling I_t+1 at x + u: row 0 gives 0.1, 0.5 and (x = 3) out of the
# frame; row 1 gives 0.3, 0.7 and, at x = 1.5, (0.3 + 0.7) / 2 = 0.5 against
# I_t = 0.2. So 4 pixels match exactly, one is off by 0.3, one is masked.
PHOTO_SUM = 4 * RHO0 + rho(0.3)
PHOTO_ALL = PHOTO_SUM / 6  # Eq. 2 as written: 1 / (H W T), T = 1 pair
PHOTO_VALID = PHOTO_SUM / 5  # over the 5 in-bound pixels
# Eq. 3: d/dx u = [[0, 0], [0, -1.5]], d/dy u = [[0, 0, -1.5]], v constant;
# each term averaged over its pixels, then summed
SMOOTH = (3 * RHO0 + rho(1.5)) / 4 + (2 * RHO0 + rho(1.5)) / 3 + 2 * RHO0


def pair():
    frame_t = torch.tensor(FRAME_T).view(1, 1, 2, 3)
    frame_t1 = torch.tensor(FRAME_T1).view(1, 1, 2, 3)
    flow = torch.zeros(1, 2, 2, 3)
    flow[:, 0] = torch.tensor(FLOW_U)
    return frame_t, frame_t1, flow


def test_warp_samples_the_next_frame_at_x_plus_flow():
    frame_t, frame_t1, flow = pair()
    warped, mask = backward_warp(frame_t1, flow)
    torch.testing.assert_close(
        mask, torch.tensor([[1., 1., 0.], [1., 1., 1.]]).view(1, 1, 2, 3))
    torch.testing.assert_close(warped[mask.bool()],
                               torch.tensor([0.1, 0.5, 0.3, 0.7, 0.5]))


@pytest.mark.parametrize('normalise,expected', [('all', PHOTO_ALL),
                                                ('valid', PHOTO_VALID)])
def test_photometric_term_by_hand(normalise, expected):
    frame_t, frame_t1, flow = pair()
    warped, mask = backward_warp(frame_t1, flow)
    value = photometric_loss(frame_t, warped, mask, normalise=normalise)
    assert value.item() == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize('normalise', ['all', 'valid'])
def test_photometric_term_averages_the_colour_channels(normalise):
    # 2 channels, 1x2 pixels, the second pixel masked: errors 0.5 and 0.1
    target = torch.zeros(1, 2, 1, 2)
    warped = torch.tensor([0.5, 7.0, 0.1, 9.0]).view(1, 2, 1, 2)
    mask = torch.tensor([1.0, 0.0]).view(1, 1, 1, 2)
    # 'all' divides the sum by C H W T = 4; 'valid' by C x (1 pixel) = 2
    expected = (rho(0.5) + rho(0.1)) / (4 if normalise == 'all' else 2)
    value = photometric_loss(target, warped, mask, normalise=normalise)
    assert value.item() == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize('scale', [1.0, 255.0])
def test_photometric_intensity_scale_moves_eps_into_those_units(scale):
    # residuals 0.02 and 0.0001 (in [0, 1] units); evaluated in [0, scale]:
    # ((scale r)^2 + eps^2)^alpha / scale^(2 alpha) = (r^2 + (eps/scale)^2)^alpha
    target = torch.zeros(1, 1, 1, 2)
    warped = torch.tensor([0.02, 0.0001]).view(1, 1, 1, 2)
    mask = torch.ones(1, 1, 1, 2)
    e = EPS / scale
    expected = sum((r * r + e * e)**ALPHA for r in (0.02, 0.0001)) / 2
    value = photometric_loss(target, warped, mask, intensity_scale=scale)
    assert value.item() == pytest.approx(expected, rel=1e-5)
    # the small residual lies inside the quadratic zone at scale 1 only:
    # its penalty there is about eps^(2 alpha), at 255 about r^(2 alpha)
    small = photometric_loss(target[..., 1:], warped[..., 1:], mask[..., 1:],
                             intensity_scale=scale).item()
    assert small == pytest.approx(
        RHO0 * (1 + 0.01)**ALPHA if scale == 1.0 else
        (0.0001**2 + e * e)**ALPHA, rel=1e-5)


def test_photometric_intensity_scale_must_be_positive():
    frame = torch.zeros(1, 1, 2, 2)
    with pytest.raises(ValueError, match='intensity_scale'):
        photometric_loss(frame, frame, torch.ones(1, 1, 2, 2),
                         intensity_scale=0.0)
    with pytest.raises(ValueError, match='intensity_scale'):
        MODELS.build(dict(type='ReconstructionLoss', intensity_scale=-1))


def test_smoothness_term_by_hand():
    _, _, flow = pair()
    assert smoothness_loss(flow).item() == pytest.approx(SMOOTH, rel=1e-5)
    # two fields: Eq. 3's 1/T averages them
    two = torch.cat([flow, torch.zeros_like(flow)])
    assert smoothness_loss(two).item() == pytest.approx(
        (SMOOTH + 4 * RHO0) / 2, rel=1e-5)


def flow_head(level=1, normalise='all', zeta=0.5, lam=15.0):
    head = MODELS.build(
        dict(type='FlowReconstructionHead', in_channels=2, level=level,
             dense_channels=(2, 2, 2, 2, 2),
             loss=dict(type='ReconstructionLoss', smooth_weight=zeta,
                       photometric_norm=normalise),
             loss_weight=lam))
    _, _, flow = pair()

    def known_flow(motion):  # replaces only the learned estimator
        n, _, t, h, w = motion.shape
        assert (t, h, w) == (1, 2, 3)
        return flow.view(1, 2, 1, 2, 3).expand(n, -1, -1, -1, -1)

    head.forward = known_flow
    return head


@pytest.mark.parametrize('normalise,photo', [('all', PHOTO_ALL),
                                             ('valid', PHOTO_VALID)])
@pytest.mark.parametrize('zeta,lam', [(0.5, 15.0), (2.0, 1.0)])
def test_flow_head_loss_is_lambda_times_photometric_plus_zeta_smoothness(
        normalise, photo, zeta, lam):
    head = flow_head(normalise=normalise, zeta=zeta, lam=lam)
    frame_t, frame_t1, _ = pair()
    frames = torch.stack([frame_t, frame_t1], dim=2)  # (1, 1, 2, 2, 3)
    out = head.loss((torch.randn(1, 2, 2, 2, 3), ), frames)
    assert out['photometric_err_l1'].item() == pytest.approx(photo, rel=1e-5)
    assert out['smoothness_err_l1'].item() == pytest.approx(SMOOTH, rel=1e-5)
    assert out['loss_rec_l1'].item() == pytest.approx(
        lam * (photo + zeta * SMOOTH), rel=1e-5)


def test_flow_head_warps_frame_t_plus_1_onto_frame_t():
    # the same pair in the other order: the loss must then warp I_t onto
    # I_t+1, sampling I_t at x + u: row 0 gives 0.5, 0.9 (against 0.0, 0.1)
    # and a masked pixel; row 1 gives 0.7, 0.2 and (0.7 + 0.2) / 2 against
    # 0.6, 0.3, 0.7
    head = flow_head()
    frame_t, frame_t1, _ = pair()
    right = head.loss((torch.randn(1, 2, 2, 2, 3), ),
                      torch.stack([frame_t, frame_t1], dim=2))
    swapped = head.loss((torch.randn(1, 2, 2, 2, 3), ),
                        torch.stack([frame_t1, frame_t], dim=2))
    assert right['photometric_err_l1'].item() == pytest.approx(PHOTO_ALL,
                                                              rel=1e-5)
    hand = (rho(0.5) + rho(0.8) + 2 * rho(0.1) + rho(0.25)) / 6
    assert swapped['photometric_err_l1'].item() == pytest.approx(hand,
                                                                rel=1e-5)


def test_frames_at_level_strides_through_the_clip():
    frames = torch.arange(8.).view(1, 1, 8, 1, 1)
    assert frames_at_level(frames, 8, 1).flatten().tolist() == list(range(8))
    assert frames_at_level(frames, 4, 2).flatten().tolist() == [0, 2, 4, 6]
    assert frames_at_level(frames, 2, 3).flatten().tolist() == [0, 4]


@pytest.mark.parametrize('level,clip_len', [(2, 4), (3, 8)])
def test_flow_head_at_a_deeper_level_pairs_strided_frames(level, clip_len):
    # Table 1 rec_l2 / rec_l3: a level with 2 time steps sees frames 0 and
    # clip_len / 2; the frames in between are noise and must not be used
    head = flow_head(level=level)
    frame_t, frame_t1, _ = pair()
    frames = torch.rand(1, 1, clip_len, 2, 3) * 10
    frames[:, :, 0] = frame_t
    frames[:, :, clip_len // 2] = frame_t1
    out = head.loss((torch.randn(1, 2, 2, 2, 3), ), frames)
    assert out[f'photometric_err_l{level}'].item() == pytest.approx(
        PHOTO_ALL, rel=1e-5)
