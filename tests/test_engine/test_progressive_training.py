"""ProgressiveFreezeHook and LoadStageCheckpointHook driven by real Runners
on the synthetic stage configs, shrunk to CPU size."""
import copy
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.optim import OptimWrapper
from mmengine.runner import Runner

from mmaction.registry import HOOKS, MODELS
from mmhcml.engine.hooks.progressive_freeze_hook import frozen_modules
from tests.conftest import tiny_model_cfg

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def stage_cfg(stage, info, work_root):
    cfg = Config.fromfile(
        osp.join(ROOT, f'configs/hcml/tiny/{stage}_synthetic.py'))
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
        if hook['type'] != 'LoadStageCheckpointHook':
            continue
        if 'stages' not in hook:  # stage= form: stage N's run in work_root/N
            hook['work_dir'] = str(work_root / '{stage}')
        for previous in hook.get('stages', []):
            previous['work_dir'] = str(work_root / previous['name'].split(
                '_')[0])
    cfg.experiment_name = f'{stage}_{work_root.name}'
    return cfg


def paper_frozen_prefixes(frozen_levels, heads=True):
    """What stage ``frozen_levels + 1`` freezes, from the paper's stage table.

    Section 3.2 ("we freeze all network parameters up to level l-1") with
    the levels of Table 1 (level 1, 2, 3 after res2, res3, res4, i.e.
    MMAction2's ``layer1..3``): the stem, and for each frozen level its
    residual stage, its PMB, its ``g^l`` and the motion head trained at that
    level (flow head at level 1, contrastive head of level l at level l).
    Written out by name, independently of ``HCMLBackbone.modules_up_to``.
    """
    out = ['backbone.backbone.conv1.']
    for level in range(1, frozen_levels + 1):
        out += [f'backbone.backbone.layer{level}.',
                f'backbone.motion_blocks.level{level}.',
                f'backbone.motion_fuses.level{level}.']
        if heads:
            out.append('motion_heads.rec_l1.' if level == 1 else
                       f'motion_heads.con_l{level}.')
    return tuple(out)


def frozen_state(model, frozen_levels):
    """Parameters and buffers (BN statistics) of the frozen backbone parts."""
    prefixes = paper_frozen_prefixes(frozen_levels, heads=False)
    return {name: tensor.detach().clone()
            for name, tensor in model.state_dict().items()
            if name.startswith(prefixes)}


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
                   model1.backbone.stage(2).state_dict().items()}
    runner = Runner.from_cfg(stage_cfg('stage2', rendered_benchmark,
                                       work_root))
    runner.train()
    model = runner.model
    after = frozen_state(model, 1)
    assert before.keys() == after.keys() and len(before) > 20
    changed = [k for k in before if not torch.equal(before[k], after[k])]
    assert changed == []  # parameters and BN buffers, bitwise
    res3_after = model.backbone.stage(2).state_dict()
    assert any(not torch.equal(res3_before[k], res3_after[k])
               for k in res3_before if 'weight' in k)
    in_optimizer = {id(p) for g in runner.optim_wrapper.optimizer.param_groups
                    for p in g['params']}
    frozen = [p for m in frozen_modules(model, 1) for p in m.parameters()]
    assert all(not p.requires_grad and id(p) not in in_optimizer
               for p in frozen)
    assert any(p.requires_grad for p in model.backbone.stage(2).parameters())


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
    cfg.custom_hooks[1]['work_dir'] = str(work_root / 'stage1')
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
    prefixes = paper_frozen_prefixes(2)
    norms = {name: m for name, m in model.named_modules()
             if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)}
    frozen = [m for name, m in norms.items() if f'{name}.'.startswith(prefixes)]
    others = [m for name, m in norms.items()
              if not f'{name}.'.startswith(prefixes)]
    assert len(frozen) > 10 and others
    assert all(not m.training for m in frozen)
    assert all(m.training for m in others)
    level3 = model.backbone.motion_blocks['level3']
    assert level3.training
    assert all(p.requires_grad for p in level3.parameters())


@pytest.mark.parametrize('frozen_levels', [1, 2, 3])
def test_frozen_set_is_the_papers_stage_table(frozen_levels):
    model = MODELS.build(tiny_model_cfg())
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1,
                                         momentum=0.9))
    hook = HOOKS.build(dict(type='ProgressiveFreezeHook',
                            frozen_levels=frozen_levels))
    runner = SimpleNamespace(model=model, optim_wrapper=optim,
                             logger=MMLogger.get_instance('freeze_oracle'))
    hook.before_run(runner)
    prefixes = paper_frozen_prefixes(frozen_levels)
    names = [n for n, _ in model.named_parameters()]
    expected = {n for n in names if n.startswith(prefixes)}
    frozen = {n for n, p in model.named_parameters() if not p.requires_grad}
    assert frozen == expected
    # the deeper levels, their heads and the classifier all still train
    assert any(n.startswith(f'backbone.backbone.layer{frozen_levels + 1}.')
               for n in names if n not in frozen)
    assert 'cls_head.fc_cls.weight' not in frozen
    in_optimizer = {id(p) for g in optim.optimizer.param_groups
                    for p in g['params']}
    assert in_optimizer == {id(p) for n, p in model.named_parameters()
                            if n not in expected}


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
    cfg.custom_hooks[1]['work_dir'] = str(work_root / 'stage1')
    runner = Runner.from_cfg(cfg)
    with pytest.raises(ValueError) as error:
        runner.train()
    message = str(error.value)
    assert "lacks the motion heads ['con_l2']" in message
    assert "missing keys motion_heads.con_l2.*" in message
    assert "['rec_l1'] (unexpected for this stage)" in message
