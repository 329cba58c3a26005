"""Eq. 5 weighting of the joint loss and multi-view averaging at test time."""
import copy

import pytest
import torch
import torch.nn.functional as F

from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from tests.conftest import tiny_model_cfg

LAMBDA, GAMMA, ZETA = 15.0, 0.25, 0.5


def eq5_model():
    cfg = tiny_model_cfg(temporal_strides=(1, 1, 1, 1))
    for head in cfg['motion_heads']:
        if head['type'] == 'FlowReconstructionHead':
            # zeta large enough that dropping it moves the loss visibly
            head.update(loss_weight=LAMBDA,
                        loss=dict(type='ReconstructionLoss',
                                  smooth_weight=ZETA))
        else:
            head.update(loss_weight=GAMMA)
    return MODELS.build(cfg)


def losses_of(model, seed=0):
    torch.manual_seed(seed)
    x = torch.rand(2, 1, 3, 4, 32, 32) * 255
    data = model.data_preprocessor(
        dict(inputs=list(x), data_samples=[
            ActionDataSample().set_gt_label(i) for i in range(2)]),
        training=True)
    torch.manual_seed(seed + 1)  # the contrastive heads' location draw
    return model(**data, mode='loss')


def test_joint_loss_is_eq5():
    model = eq5_model()
    losses = losses_of(model)
    # L_rec term: lambda * (photometric + zeta * smoothness), Eq. 2-3
    photo, smooth = losses['photometric_err_l1'], losses['smoothness_err_l1']
    assert smooth.item() > 0.01 and photo.item() > 0.01
    torch.testing.assert_close(losses['loss_rec_l1'],
                               LAMBDA * (photo + ZETA * smooth), rtol=1e-6,
                               atol=0)
    # L_con terms: gamma * InfoNCE; the same draw with gamma = 1 gives the
    # unweighted InfoNCE
    for key in ('con_l2', 'con_l3'):
        model.motion_heads[key].loss_weight = 1.0
    unweighted = losses_of(model)
    for level in (2, 3):
        key = f'loss_con_l{level}'
        assert unweighted[key].item() > 0.1
        torch.testing.assert_close(losses[key], GAMMA * unweighted[key],
                                   rtol=1e-6, atol=0)
    # the total is L_cls + lambda L_rec + sum_l gamma^l L_con^l; the
    # accuracy and error metrics are not summed
    total, _ = model.parse_losses(losses)
    expected = (losses['loss_cls'] + losses['loss_rec_l1'] +
                losses['loss_con_l2'] + losses['loss_con_l3'])
    torch.testing.assert_close(total, expected)


def test_multi_view_prediction_is_the_mean_of_view_softmaxes():
    cfg = tiny_model_cfg()
    cfg['cls_head']['average_clips'] = 'prob'
    model = MODELS.build(cfg).eval()
    views = 3
    x = torch.rand(2, views, 3, 8, 32, 32) * 255
    data = model.data_preprocessor(
        dict(inputs=list(x), data_samples=[
            ActionDataSample().set_gt_label(0) for _ in range(2)]))
    with torch.no_grad():
        scores = torch.stack(
            [s.pred_score for s in model(**copy.copy(data), mode='predict')])
        expected = []
        for clip in data['inputs']:  # (views, 3, T, H, W)
            probs = [
                F.softmax(model.cls_head(model.backbone(view[None])), dim=1)
                for view in clip
            ]
            expected.append(torch.cat(probs).mean(dim=0))
    torch.testing.assert_close(scores, torch.stack(expected))
    # and it is not the softmax of the mean score ('score' averaging)
    with torch.no_grad():
        logits = torch.stack([
            model.cls_head(model.backbone(clip)).mean(dim=0)
            for clip in data['inputs']
        ])
    assert not torch.allclose(scores, F.softmax(logits, dim=1), atol=1e-6)
