"""HCMLRecognizer.predict_flow and the per-level flow of the flow heads
(mmhcml.models.recognizers.flow_prediction)."""
import pytest
import torch
import torch.nn as nn

from mmaction.registry import MODELS
from mmhcml.models.recognizers.flow_prediction import (check_flow_levels,
                                                       flow_heads_by_level)
from tests.test_analysis.test_flow_vis import flow_model_cfg


def test_level_flows_are_upsampled_and_scaled_to_frame_pixels():
    model = MODELS.build(flow_model_cfg(levels=(1, 2, 3))).eval()
    for head in flow_heads_by_level(model).values():
        nn.init.zeros_(head.predict_flow.weight)
        head.predict_flow.bias.data = torch.tensor([1.0, -0.5])
    flows = model.predict_flow(torch.randn(2, 3, 8, 64, 64))
    assert sorted(flows) == [1, 2, 3]
    # feature grids 16, 8, 4 px for a 64 px frame: one grid pixel = 4, 8, 16
    for level, pairs, scale in ((1, 7, 4), (2, 3, 8), (3, 1, 16)):
        flow = flows[level].flow
        assert flow.shape == (2, pairs, 2, 64, 64)
        assert torch.allclose(flow[:, :, 0], torch.full_like(
            flow[:, :, 0], scale))
        assert torch.allclose(flow[:, :, 1], torch.full_like(
            flow[:, :, 1], -scale / 2))
    stride = {1: 1, 2: 2, 3: 4}
    for level, level_flow in flows.items():
        s = stride[level]
        assert level_flow.pairs == tuple((s * i, s * (i + 1))
                                         for i in range(8 // s - 1))


def test_levels_without_a_flow_head_are_named():
    model = MODELS.build(flow_model_cfg(levels=(1, 2)))
    assert check_flow_levels(model) == (1, 2)
    with pytest.raises(ValueError, match=r'level 3 has no flow head.*\[1, 2\]'):
        check_flow_levels(model, [1, 3])
    bare = MODELS.build(flow_model_cfg(levels=()))
    with pytest.raises(ValueError, match='no FlowReconstructionHead'):
        check_flow_levels(bare)
