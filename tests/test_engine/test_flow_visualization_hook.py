"""FlowVisualizationHook: a flow grid per level every N iterations, the
model left as it was (mmhcml.engine.hooks.flow_visualization_hook)."""
from types import SimpleNamespace
from unittest import mock

import numpy as np
import pytest
import torch
import torch.nn as nn

from mmaction.registry import HOOKS, MODELS
from mmaction.structures import ActionDataSample
from tests.test_analysis.test_flow_vis import flow_model_cfg


def make_runner(model, iteration):
    return SimpleNamespace(model=model, iter=iteration,
                           visualizer=mock.MagicMock(),
                           logger=mock.MagicMock())


def random_batch():
    clip = torch.randint(0, 256, (1, 3, 8, 64, 64), dtype=torch.uint8)
    return dict(inputs=[clip], data_samples=[ActionDataSample()])


def test_hook_logs_a_grid_every_interval_and_leaves_the_model_as_it_was():
    model = MODELS.build(flow_model_cfg(levels=(1, 2))).train()
    frozen = model.backbone.backbone.conv1
    frozen.eval()  # as a freeze hook leaves a frozen stage
    stats = {k: v.clone() for k, v in model.state_dict().items()}
    hook = HOOKS.build(dict(type='FlowVisualizationHook', interval=2))
    assert hook.priority == 'LOW'
    runner = make_runner(nn.DataParallel(model), 0)
    hook.before_train(runner)
    batch = random_batch()
    hook.after_train_iter(runner, 0, batch)
    runner.visualizer.add_image.assert_not_called()
    runner.iter = 1
    hook.after_train_iter(runner, 1, batch)
    calls = runner.visualizer.add_image.call_args_list
    assert [c.args[0] for c in calls] == ['flow_l1', 'flow_l2']
    assert all(c.kwargs['step'] == 1 for c in calls)
    grid = calls[0].args[1]
    assert grid.dtype == np.uint8 and grid.shape == (7 * 64, 3 * 64, 3)
    assert calls[1].args[1].shape == (3 * 64, 3 * 64, 3)
    frame0 = batch['inputs'][0][0].permute(1, 2, 3, 0)[0].numpy()
    assert np.abs(grid[:64, :64].astype(int) - frame0).max() <= 1
    # no BN statistics updated, every module back in its own mode
    for key, value in model.state_dict().items():
        assert torch.equal(value, stats[key]), key
    assert model.training and not frozen.training
    assert model.backbone.backbone.layer1.training


def test_hook_without_flow_head_is_a_noop_logged_once():
    model = MODELS.build(flow_model_cfg(levels=()))
    hook = HOOKS.build(dict(type='FlowVisualizationHook', interval=1))
    runner = make_runner(model, 0)
    hook.before_train(runner)
    for i in range(3):
        runner.iter = i
        hook.after_train_iter(runner, i, random_batch())
    runner.visualizer.add_image.assert_not_called()
    assert runner.logger.info.call_count == 1
    assert 'no FlowReconstructionHead' in runner.logger.info.call_args[0][0]


def test_hook_checks_its_arguments():
    with pytest.raises(ValueError, match='interval'):
        HOOKS.build(dict(type='FlowVisualizationHook', interval=0))
    hook = HOOKS.build(dict(type='FlowVisualizationHook', levels=[2]))
    model = MODELS.build(flow_model_cfg(levels=(1, )))
    with pytest.raises(ValueError, match=r'level 2 .*\[1\]'):
        hook.before_train(make_runner(model, 0))
