"""ProgressiveFreezeHook and LoadStageCheckpointHook driven by real Runners
on the synthetic stage configs, shrunk to CPU size."""
import copy
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.runner import Runner

from mmaction.registry import HOOKS, MODELS
from mmhcml.engine.hooks.progressive_freeze_hook import frozen_modules
from tests.conftest import tiny_model_cfg

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def stage_cfg(stage, info, work_root):
    cfg = Config.fromfile(
        osp.join(ROOT, f'configs/hcml/synthetic/{stage}_synthetic.py'))
    cfg.work_dir = str(work_root / stage)
    cfg.model.backbone.backbone.base_channels = 8
    cfg.model.backbone.motion_block.max_displacement = 2
    for head in cfg.model.motion_heads:
        if head['type'] == 'FlowReconstructionHead':
            head['dense_channels'] = (4, 4, 4, 4, 4)
        else:
            head['num_locations'] = 4
    if cfg.model.get('cls_head'):
        cfg.model.cls_head.in_channels = 64
    loader = cfg.train_dataloader
    loader.update(num_workers=0, persistent_workers=False, batch_size=2)
    ann = 'unlabelled.txt' if stage.startswith('stage') else 'train.txt'
    loader.dataset.ann_file = osp.join(info['root'], ann)
    loader.dataset.data_prefix = dict(video=osp.join(info['root'], 'videos'))
    cfg.train_cfg.max_epochs = 1
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
    cfg.param_scheduler = []
    cfg.randomness = dict(seed=0)
    for hook in cfg.get('custom_hooks', []):
        for previous in hook.get('stages', []):
            previous['work_dir'] = str(work_root / previous['name'].split(
                '_')[0])
    cfg.experiment_name = f'{stage}_{work_root.name}'
    return cfg


def frozen_state(model, frozen_levels):
    """Parameters and buffers (BN statistics) of the frozen backbone parts."""
    out = {}
    parts = model.backbone.modules_up_to(frozen_levels)
    for index, module in enumerate(parts):
        for name, tensor in module.state_dict().items():
            out[f'{index}.{name}'] = tensor.detach().clone()
    return out


@pytest.fixture(scope='module')
def stage1(rendered_benchmark, tmp_path_factory):
    work_root = tmp_path_factory.mktemp('schedule')
    runner = Runner.from_cfg(stage_cfg('stage1', rendered_benchmark,
                                       work_root))
    runner.train()
    return work_root, runner


def test_stage2_freezes_level1_bitwise_and_trains_the_rest(
        stage1, rendered_benchmark):
    work_root, runner1 = stage1
    model1 = runner1.model
    before = frozen_state(model1, 1)
    res3_before = {k: v.clone() for k, v in
                   model1.backbone._stages[1].state_dict().items()}
    runner = Runner.from_cfg(stage_cfg('stage2', rendered_benchmark,
                                       work_root))
    runner.train()
    model = runner.model
    after = frozen_state(model, 1)
    assert before.keys() == after.keys() and len(before) > 20
    changed = [k for k in before if not torch.equal(before[k], after[k])]
    assert changed == []  # parameters and BN buffers, bitwise
    res3_after = model.backbone._stages[1].state_dict()
    assert any(not torch.equal(res3_before[k], res3_after[k])
               for k in res3_before if 'weight' in k)
    in_optimizer = {id(p) for g in runner.optim_wrapper.optimizer.param_groups
                    for p in g['params']}
    frozen = [p for m in frozen_modules(model, 1) for p in m.parameters()]
    assert all(not p.requires_grad and id(p) not in in_optimizer
               for p in frozen)
    assert any(p.requires_grad for p in model.backbone._stages[1].parameters())


def test_missing_previous_stage_names_stage_and_path(rendered_benchmark,
                                                     tmp_path):
    cfg = stage_cfg('stage3', rendered_benchmark, tmp_path)
    runner = Runner.from_cfg(cfg)
    with pytest.raises(FileNotFoundError) as error:
        runner.train()
    message = str(error.value)
    assert 'stage2_synthetic' in message
    assert osp.join(str(tmp_path / 'stage2'), 'last_checkpoint') in message


def test_checkpoint_of_another_backbone_lists_keys(stage1, rendered_benchmark,
                                                    tmp_path):
    work_root, _ = stage1
    cfg = stage_cfg('stage2', rendered_benchmark, tmp_path)
    cfg.custom_hooks[1]['stages'][0]['work_dir'] = str(work_root / 'stage1')
    cfg.model.backbone.backbone.base_channels = 4  # another backbone width
    cfg.model.cls_head = None
    runner = Runner.from_cfg(cfg)
    with pytest.raises(ValueError, match='missing keys') as error:
        runner.train()
    assert 'shape mismatches: backbone.' in str(error.value)


def test_bn_stays_in_eval_across_train_calls():
    model = MODELS.build(tiny_model_cfg())
    hook = HOOKS.build(dict(type='ProgressiveFreezeHook', frozen_levels=2))
    runner = SimpleNamespace(model=model, optim_wrapper=None,
                             logger=MMLogger.get_instance('freeze_test'))
    hook.before_run(runner)
    model.train()
    hook.before_train_iter(runner, 0)
    norms = [m for part in frozen_modules(model, 2) for m in part.modules()
             if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    assert norms and all(not m.training for m in norms)
    level3 = model.backbone.motion_blocks['level3']
    assert level3.training
    assert all(p.requires_grad for p in level3.parameters())


@pytest.mark.parametrize('value', [-1, 1.5, True])
def test_freeze_hook_validates_levels(value):
    with pytest.raises(ValueError, match='frozen_levels'):
        HOOKS.build(dict(type='ProgressiveFreezeHook', frozen_levels=value))


def test_freeze_beyond_the_backbone_is_reported():
    model = MODELS.build(tiny_model_cfg())
    with pytest.raises(ValueError, match='frozen_levels must be in 0..4'):
        frozen_modules(model, 5)


def test_checkpoint_of_the_wrong_stage_is_refused(stage1, rendered_benchmark,
                                                  tmp_path):
    work_root, _ = stage1
    cfg = stage_cfg('stage3', rendered_benchmark, tmp_path)
    # stage 3 expects stage 2's checkpoint (con_l2); give it stage 1's
    cfg.custom_hooks[1]['stages'][0]['work_dir'] = str(work_root / 'stage1')
    runner = Runner.from_cfg(cfg)
    with pytest.raises(ValueError) as error:
        runner.train()
    message = str(error.value)
    assert "lacks the motion heads ['con_l2']" in message
    assert "missing keys motion_heads.con_l2.*" in message
    assert "['rec_l1'] (unexpected for this stage)" in message
