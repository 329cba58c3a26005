"""tools/deploy/strip_side_branch.py and mmhcml.deploy (section 3.3)."""
import copy
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub

from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmhcml.deploy import deploy_config, strip_side_branch

CONFIG = 'configs/hcml/tiny/hcml_tiny_joint_synthetic.py'


def trained_checkpoint(cfg, path, seed=0):
    """A checkpoint as MMEngine writes it, with non-trivial BN statistics."""
    torch.manual_seed(seed)
    model = MODELS.build(copy.deepcopy(cfg.model))
    for name, buf in model.named_buffers():
        if name.endswith('running_mean'):
            buf.normal_()
        elif name.endswith('running_var'):
            buf.uniform_(0.5, 2.0)
    hub = MessageHub.get_instance('strip_test')
    hub.update_scalar('train/loss', 1.0)
    torch.save(dict(meta=dict(epoch=4, seed=seed), state_dict=model.state_dict(),
                    optimizer=dict(state={}, param_groups=[]),
                    message_hub=hub.state_dict()), path)
    return model


def samples(n):
    return [ActionDataSample().set_gt_label(i) for i in range(n)]


@pytest.fixture(scope='module')
def stripped(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('strip')
    cfg = Config.fromfile(CONFIG)
    full = trained_checkpoint(cfg, tmp / 'epoch_4.pth')
    info = strip_side_branch(CONFIG, str(tmp / 'epoch_4.pth'), str(tmp / 'out'))
    return full, info


def test_deploy_model_gives_the_full_models_outputs(stripped):
    full, info = stripped
    dcfg = Config.fromfile(info['config'])
    assert dcfg.model.motion_heads == []
    assert dcfg.custom_imports.imports == ['mmhcml']
    deploy = MODELS.build(dcfg.model)
    ckpt = torch.load(info['checkpoint'], weights_only=True)
    deploy.load_state_dict(ckpt['state_dict'], strict=True)
    full.eval(), deploy.eval()
    x = torch.randn(2, 1, 3, 8, 64, 64)
    with torch.no_grad():
        a, b = full(x, samples(2), 'predict'), deploy(x, samples(2), 'predict')
        torch.testing.assert_close(deploy(x, mode='tensor'),
                                   full(x, mode='tensor'), rtol=0, atol=0)
    for sa, sb in zip(a, b):
        torch.testing.assert_close(sb.pred_score, sa.pred_score, rtol=0,
                                   atol=0)
    assert len(deploy.motion_heads) == 0


def test_deploy_checkpoint_has_no_side_branch_and_keeps_meta(stripped):
    full, info = stripped
    ckpt = torch.load(info['checkpoint'], weights_only=True)
    assert set(ckpt) == {'meta', 'state_dict'}
    assert not [k for k in ckpt['state_dict'] if 'motion_heads' in k]
    assert ckpt['meta']['epoch'] == 4
    assert 'side branch stripped' in ckpt['meta']['hcml_deploy']
    side = sum(p.numel() for p in full.motion_heads.parameters())
    assert info['params_before'] - info['params_after'] == side > 0
    assert info['removed_keys'] and all(
        k.startswith('motion_heads.') for k in info['removed_keys'])


def test_missing_checkpoint_is_named(tmp_path):
    missing = str(tmp_path / 'nope.pth')
    with pytest.raises(FileNotFoundError,
                       match=r"checkpoint not found: '.*nope\.pth'"):
        strip_side_branch(CONFIG, missing, str(tmp_path / 'out'))


def test_mismatched_checkpoint_lists_the_keys(tmp_path):
    cfg = Config.fromfile(CONFIG)
    other = copy.deepcopy(cfg)
    other.model.backbone.levels = (1, 2)  # no level-3 block, no head 3
    other.model.motion_heads = other.model.motion_heads[:2]
    trained_checkpoint(other, tmp_path / 'other.pth')
    with pytest.raises(ValueError) as err:
        strip_side_branch(cfg, str(tmp_path / 'other.pth'),
                          str(tmp_path / 'out'))
    message = str(err.value)
    assert 'missing keys' in message
    assert 'backbone.motion_blocks.level3' in message
    assert 'motion_heads.' in message  # the level-3 head's weights
    assert not (tmp_path / 'out').exists()


def test_shape_mismatch_is_reported(tmp_path):
    cfg = Config.fromfile(CONFIG)
    other = copy.deepcopy(cfg)
    other.model.cls_head.num_classes = 3
    trained_checkpoint(other, tmp_path / 'other.pth')
    with pytest.raises(ValueError, match=r'cls_head.fc_cls.weight \(3, 64\)'):
        strip_side_branch(cfg, str(tmp_path / 'other.pth'),
                          str(tmp_path / 'out'))


def test_self_supervised_config_is_refused():
    cfg = Config.fromfile(CONFIG)
    cfg.model.cls_head = None
    with pytest.raises(ValueError, match='no cls_head'):
        deploy_config(cfg)


def test_training_hooks_are_dropped():
    cfg = Config.fromfile(CONFIG)
    cfg.custom_hooks = [dict(type='ProgressiveFreezeHook', level=1),
                        dict(type='EMAHook')]
    assert [h['type'] for h in deploy_config(cfg).custom_hooks] == ['EMAHook']


def test_cli(tmp_path):
    trained_checkpoint(Config.fromfile(CONFIG), tmp_path / 'best.pth')
    cmd = [sys.executable, 'tools/deploy/strip_side_branch.py', CONFIG,
           str(tmp_path / 'best.pth'), '--out-dir', str(tmp_path / 'deploy')]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert 'parameters:' in out.stdout and 'side-branch parameters' in out.stdout
    assert (tmp_path / 'deploy' / 'best_deploy.pth').is_file()
    assert (tmp_path / 'deploy' / 'best_deploy.py').is_file()
    cmd[3] = str(tmp_path / 'missing.pth')
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert out.returncode != 0 and 'missing.pth' in out.stderr


def test_get_flops_deploy_prints_the_stripped_model():
    out = subprocess.run(
        [sys.executable, 'tools/profiling/get_flops.py', CONFIG, '--deploy',
         '--shape', '8', '64', '64'], capture_output=True, text=True,
        timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert 'deploy model of' in out.stdout
    assert 'FlowReconstructionHead' not in out.stdout
    row = next(line for line in out.stdout.splitlines()
               if line.startswith('deploy ') and 'GFLOPs' in line)
    params = row.split('params ')[1]
    total, inference = params.split(' M (inference ')
    assert inference.startswith(total)  # no side-branch parameters left
