"""A few dozen training steps on one reversal pair (CPU, tiny widths).

A clip of a textured square moving right and the same clip played backwards
(moving left) carry different labels. Averaged over time, an order-blind R2D
(no temporal stride, no temporal conv) gives both clips the same scores, so
within the pair it sits at chance (1 of 2) whatever it learns. The HCML model
sees frame order through the Prime Motion Blocks' cost volumes (Eq. 1): its
joint loss (Eq. 5) falls and it tells the two directions apart.
"""
import copy

import torch

from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from tests.conftest import TINY_PREPROCESSOR, TINY_R2D, tiny_model_cfg

STEPS = 30
NO_TEMPORAL_STRIDE = (1, 1, 1, 1)


def reversal_pair(instances=2, frames=8, size=32, speed=3, side=8):
    """``instances`` squares moving right (label 0) and, reversed, left (1).

    Returns:
        tuple[Tensor, list]: clips ``(2 * instances, 1, 3, T, H, W)`` in
        ``[0, 255]`` and their data samples.
    """
    gen = torch.Generator().manual_seed(0)
    clips = []
    for _ in range(instances):
        background = torch.rand(3, size, size, generator=gen) * 80
        square = 150 + torch.rand(3, side, side, generator=gen) * 100
        top = int(torch.randint(0, size - side, (1, ), generator=gen))
        clip = background[:, None].repeat(1, frames, 1, 1)
        for t in range(frames):
            left = 1 + speed * t
            clip[:, t, top:top + side, left:left + side] = square
        clips += [clip, clip.flip(1)]  # forward, then played backwards
    samples = [ActionDataSample().set_gt_label(i % 2)
               for i in range(len(clips))]
    return torch.stack(clips)[:, None], samples


def train(model, clips, samples):
    data = model.data_preprocessor(
        dict(inputs=list(clips), data_samples=samples), training=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    model.train()
    for _ in range(STEPS):
        loss, _ = model.parse_losses(model(**copy.copy(data), mode='loss'))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return data, losses


def scores(model, data):
    # batch statistics (train mode) as in the training steps; no dropout
    with torch.no_grad():
        feats = model.extract_feat(data['inputs'], test_mode=True)[0]
        return model.cls_head(feats)


def within_pair_accuracy(logits):
    labels = torch.arange(len(logits)) % 2
    return (logits.argmax(dim=1) == labels).float().mean().item()


def test_hcml_tells_a_reversal_pair_apart_and_r2d_cannot():
    torch.manual_seed(0)
    clips, samples = reversal_pair()

    cfg = tiny_model_cfg(num_classes=2, temporal_strides=NO_TEMPORAL_STRIDE)
    cfg['cls_head']['dropout_ratio'] = 0.0
    hcml = MODELS.build(cfg)
    data, losses = train(hcml, clips, samples)
    # Eq. 5 (L_cls + lambda L_rec + sum gamma L_con) falls
    assert sum(losses[-3:]) < 0.8 * sum(losses[:3]), losses
    logits = scores(hcml, data)
    assert within_pair_accuracy(logits) == 1.0, logits

    backbone = copy.deepcopy(TINY_R2D)
    backbone['temporal_strides'] = NO_TEMPORAL_STRIDE
    baseline = MODELS.build(
        dict(type='Recognizer3D', backbone=backbone,
             cls_head=dict(type='I3DHead', num_classes=2, in_channels=64,
                           dropout_ratio=0.0),
             data_preprocessor=TINY_PREPROCESSOR))
    data, losses = train(baseline, clips, samples)
    logits = scores(baseline, data)
    # a clip and its reversal get the same scores: chance within the pair
    torch.testing.assert_close(logits[0::2], logits[1::2], rtol=1e-4,
                               atol=1e-5)
    assert within_pair_accuracy(logits) == 0.5
