"""Section 3.3 / SPEC: in stage l the upper levels see the lower levels'
motion, Z^(l-1) = F^(l-1) + g^(l-1)(P^(l-1)), with the lower levels frozen
as ProgressiveFreezeHook freezes them. A g^l that starts (and, frozen,
stays) at zero would cut the hierarchy until joint training."""
import copy
import glob
import os.path as osp

import pytest
import torch
from mmengine import Config

from mmaction.registry import MODELS
from mmhcml.engine.hooks.progressive_freeze_hook import freeze_up_to
from tests.test_configs.test_all_configs import ROOT, shrink_model

STAGE_CONFIGS = sorted(
    glob.glob(osp.join(ROOT, 'configs/hcml/stage[23]_*.py')) +
    glob.glob(osp.join(ROOT, 'configs/hcml/r2plus1d101/stage[23]_*.py')))


def frozen_levels(cfg):
    hooks = [h for h in cfg.get('custom_hooks', [])
             if h['type'] == 'ProgressiveFreezeHook']
    assert len(hooks) == 1
    hook = hooks[0]
    if 'frozen_levels' in hook:
        return hook['frozen_levels']
    from mmhcml.engine.schedule import get_stage
    return get_stage(hook['stage']).frozen_levels


def level_outputs(model, x, perturb_level=None):
    """``{l: P^l}`` with ``P^perturb_level`` shifted by a constant."""
    handle = None
    if perturb_level is not None:
        block = model.backbone.motion_blocks[f'level{perturb_level}']
        handle = block.register_forward_hook(lambda m, i, out: out + 1.0)
    try:
        with torch.no_grad():
            _, motion = model.backbone(x, return_motion=True)
    finally:
        if handle is not None:
            handle.remove()
    return motion


@pytest.mark.parametrize('path', STAGE_CONFIGS,
                         ids=[osp.relpath(p, ROOT) for p in STAGE_CONFIGS])
def test_upper_levels_depend_on_the_frozen_lower_motion(path):
    cfg = Config.fromfile(path)
    model_cfg = copy.deepcopy(cfg.model)
    shrink_model(model_cfg)
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    model.init_weights()
    frozen = frozen_levels(cfg)
    freeze_up_to(model, frozen)
    model.eval()
    x = torch.randn(1, 3, 8, 64, 64)
    plain = level_outputs(model, x)
    top = frozen + 1
    for lower in range(1, top):
        moved = level_outputs(model, x, perturb_level=lower)
        # the frozen level itself moved ...
        assert not torch.allclose(moved[lower], plain[lower])
        # ... and the level trained in this stage must see it
        change = (moved[top] - plain[top]).abs().max().item()
        assert change > 1e-4, (
            f'{osp.relpath(path, ROOT)}: P^{top} does not depend on P^{lower}'
            ' (is g^l zero-initialised and frozen?)')
