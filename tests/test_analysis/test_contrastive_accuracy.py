"""Held-out contrastive accuracy and its chance levels."""
import json
import types

import numpy as np
import pytest
import torch

from mmaction.registry import MODELS
from mmhcml.models.heads import ContrastiveMotionHead
from mmhcml.analysis.contrastive_accuracy import (clips_from_videos,
                                                  contrastive_accuracy)
from tests.conftest import tiny_model_cfg
from tests.test_analysis.test_flow_quality import write_video
from tests.test_analysis.test_flow_vis import load_tool, write_model


def _model():
    cfg = tiny_model_cfg(with_cls_head=False, heads=('con2', 'con3'))
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def test_chance_levels_follow_batch_locations_and_time_steps():
    """8 frames: level 2 has 4 time steps, level 3 two (temporal strides
    1, 2, 2); num_locations 4; batches of 2 clips."""
    rng = np.random.default_rng(0)
    clips = [rng.integers(0, 255, (8, 32, 32, 3), dtype=np.uint8)
             for _ in range(5)]
    results = contrastive_accuracy(_model(), clips, batch_size=2)
    assert results[2]['time_steps'] == 4 and results[3]['time_steps'] == 2
    assert results[2]['chance'] == pytest.approx(1 / (2 * 4 * 4))
    assert results[3]['chance'] == pytest.approx(1 / (2 * 4 * 2))
    assert results[2]['chance_temporal'] == pytest.approx(1 / 4)
    assert results[2]['batches'] == 2  # the fifth clip makes no whole batch
    for row in results.values():
        assert 0 <= row['con_acc'] <= 1 and 0 <= row['con_temporal_acc'] <= 1


def test_accuracy_is_deterministic_and_leaves_the_generator_alone():
    rng = np.random.default_rng(1)
    clips = [rng.integers(0, 255, (8, 32, 32, 3), dtype=np.uint8)
             for _ in range(4)]
    model = _model()
    torch.manual_seed(7)
    expected = torch.rand(1)
    torch.manual_seed(7)
    first = contrastive_accuracy(model, clips, batch_size=2)
    assert torch.equal(torch.rand(1), expected)
    assert contrastive_accuracy(model, clips, batch_size=2) == first
    assert model.training  # restored


def test_errors_name_the_problem(tmp_path):
    clips = [np.zeros((8, 32, 32, 3), np.uint8)]
    with pytest.raises(ValueError, match='fewer than one batch'):
        contrastive_accuracy(_model(), clips, batch_size=2)
    rec_only = MODELS.build(tiny_model_cfg(with_cls_head=False,
                                           heads=('rec', )))
    with pytest.raises(ValueError, match='no ContrastiveMotionHead'):
        contrastive_accuracy(rec_only, clips * 2, batch_size=2)
    video = write_video(tmp_path / 'v.avi',
                        np.zeros((10, 32, 32, 3), np.uint8))
    with pytest.raises(ValueError, match='no video has 12 frames'):
        clips_from_videos([video], 12, (32, 32), 1)


def test_tool_reports_and_writes_json(tmp_path):
    rng = np.random.default_rng(2)
    video = write_video(tmp_path / 'v.avi', rng.integers(
        0, 255, (20, 32, 32, 3), dtype=np.uint8))
    config, checkpoint = write_model(
        tmp_path, tiny_model_cfg(with_cls_head=False, heads=('con2', )))
    tool = load_tool('contrastive_accuracy')
    out = tmp_path / 'acc.json'
    results = tool.main([config, checkpoint, video, '--clip-len', '8',
                         '--size', '32', '32', '--frame-stride', '1',
                         '--batch-size', '2', '--out', str(out)])
    assert json.load(open(out))['2']['batches'] == 1 == results[2]['batches']


def test_future_metrics_tell_a_copying_head_from_an_untrained_one():
    rng = np.random.default_rng(2)
    clips = [rng.integers(0, 255, (8, 32, 32, 3), dtype=np.uint8)
             for _ in range(4)]
    model = _model()
    head = model.motion_heads['con_l2']
    # a predictor that returns the present target (its conditioning input);
    # the tool's untrained copy of the head falls back to the real forward
    def copier(self, motion, context=None):
        if self is not head:
            return ContrastiveMotionHead.forward(self, motion, context)
        return {d: context for d in range(1, self.num_steps + 1)}

    head.forward = types.MethodType(copier, head)
    # an untrained tiny model on noise: targets differ little over time,
    # so count every row whose future is not an exact repeat
    head.distinct_threshold = 0.0
    row = contrastive_accuracy(model, clips, batch_size=2)[2]
    for key in ('future_acc', 'future_chance', 'copy_rate',
                'future_beats_present', 'untrained_future_acc',
                'untrained_copy_rate', 'untrained_future_beats_present'):
        assert key in row
    assert row['future_chance'] == pytest.approx(1 / 4)
    assert row['distinct_rows'] > 0.5
    assert row['copy_rate'] == 1.0 and row['future_acc'] == 0.0
    assert row['future_beats_present'] == 0.0
    # the untrained head of the same config is not a copier
    assert row['untrained_copy_rate'] < 0.9
    assert row['untrained_distinct_rows'] == row['distinct_rows']
