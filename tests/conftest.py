"""Shared fixtures: tiny HCML models and rendered videos."""
import copy
import os
import os.path as osp
import shutil
import warnings

import pytest
import torch

warnings.filterwarnings('ignore', message='Fail to import ``MultiScaleDeformableAttention')

import mmhcml  # noqa: E402,F401  (applies compat, registers components)
from mmengine.registry import init_default_scope  # noqa: E402

init_default_scope('mmaction')

#: A ResNet3d-18 of width 8 with R2D's layout (1x3x3 convs, 1x7x7 stem).
TINY_R2D = dict(
    type='ResNet3d',
    depth=18,
    base_channels=8,
    pretrained=None,
    pretrained2d=False,
    conv1_kernel=(1, 7, 7),
    inflate=(0, 0, 0, 0),
    temporal_strides=(1, 2, 2, 1),
    with_pool2=False,
    zero_init_residual=False)

TINY_PREPROCESSOR = dict(
    type='ActionDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    format_shape='NCTHW')


def assert_same_training_state(module, reference, rtol=None, atol=None,
                               buffers=True):
    """``module``'s parameter gradients equal ``reference``'s, name by name
    (``rtol``/``atol`` as ``torch.testing.assert_close``), and with
    ``buffers`` its buffers too (BN running statistics; default
    tolerances)."""
    grads = dict(reference.named_parameters())
    for name, param in module.named_parameters():
        torch.testing.assert_close(param.grad, grads[name].grad, rtol=rtol,
                                   atol=atol, msg=name)
    if buffers:
        kept = dict(reference.named_buffers())
        for name, buf in module.named_buffers():
            torch.testing.assert_close(buf, kept[name], msg=name)


def tiny_model_cfg(num_classes=4, with_cls_head=True, heads=('rec', 'con2',
                                                            'con3'),
                   temporal_strides=(1, 2, 2, 1), levels=(1, 2, 3)):
    """Config of a tiny HCMLRecognizer (widths 2-16 in the motion blocks)."""
    backbone = copy.deepcopy(TINY_R2D)
    backbone['temporal_strides'] = temporal_strides
    motion_heads = []
    if 'rec' in heads:
        motion_heads.append(
            dict(type='FlowReconstructionHead', level=1,
                 dense_channels=(8, 8, 8, 8, 8)))
    for level in (2, 3):
        if f'con{level}' in heads:
            motion_heads.append(
                dict(type='ContrastiveMotionHead', level=level, num_steps=1,
                     num_locations=4))
    cfg = dict(
        type='HCMLRecognizer',
        backbone=dict(
            type='HCMLBackbone',
            backbone=backbone,
            levels=levels,
            motion_block=dict(type='PrimeMotionBlock', reduction=2,
                              max_displacement=2, stride=1)),
        motion_heads=motion_heads,
        data_preprocessor=TINY_PREPROCESSOR)
    if with_cls_head:
        cfg['cls_head'] = dict(type='I3DHead', num_classes=num_classes,
                               in_channels=64)
    return cfg


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


@pytest.fixture(scope='session')
def rendered_benchmark(tmp_path_factory):
    """A tiny synthetic motion benchmark: 1 train and 1 val clip per class."""
    from mmhcml.datasets.synthetic_motion import render_benchmark
    root = tmp_path_factory.mktemp('synthetic_motion')
    info = render_benchmark(root, num_train_per_class=1, num_val_per_class=1,
                            num_unlabelled=4, num_frames=8, size=64, seed=0,
                            progress=False)
    info['root'] = str(root)
    return info


def decode_pipeline(clip_len, video=True):
    """One clip of ``clip_len`` frames, decoded (decord for videos, else
    rawframes) and packed, nothing else."""
    decode = ([dict(type='DecordInit')] if video else []) + [
        dict(type='SampleFrames', clip_len=clip_len, frame_interval=1,
             num_clips=1),
        dict(type='DecordDecode' if video else 'RawFrameDecode')
    ]
    return decode + [
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackActionInputs')
    ]


@pytest.fixture
def bad_videos(rendered_benchmark, tmp_path):
    """A folder of one good video (a rendered training clip) and three bad
    files: truncated.mp4 (its first third), text.mp4 (not a video) and
    empty.mp4."""
    root = tmp_path / 'videos'
    root.mkdir()
    src = osp.join(rendered_benchmark['root'], 'videos', 'train')
    shutil.copy(osp.join(src, sorted(os.listdir(src))[0]), root / 'good.mp4')
    data = (root / 'good.mp4').read_bytes()
    (root / 'truncated.mp4').write_bytes(data[:len(data) // 3])
    (root / 'text.mp4').write_text('this is not a video\n')
    (root / 'empty.mp4').write_bytes(b'')
    return root


def data_overrides(info):
    """--cfg-options pointing every dataloader of a config at ``info``."""
    root = info['root']
    out = []
    for loader, ann in (('train', 'train'), ('val', 'val'), ('test', 'val')):
        out += [f'{loader}_dataloader.dataset.ann_file={root}/{ann}.txt',
                f'{loader}_dataloader.dataset.data_prefix.video={root}/videos',
                f'{loader}_dataloader.num_workers=0',
                f'{loader}_dataloader.persistent_workers=False']
    return out


def build_listed(tmp_path, lines, cfg, **overrides):
    """The dataset of ``cfg`` (with ``overrides``) over an annotation list
    ``tmp_path/list.txt`` holding ``lines``."""
    from mmaction.registry import DATASETS
    ann = tmp_path / 'list.txt'
    ann.write_text('\n'.join(lines) + '\n')
    cfg = dict(cfg, ann_file=str(ann))
    cfg.update(overrides)
    return DATASETS.build(cfg)


def pytest_terminal_summary(terminalreporter):
    """Say loudly when the Triton kernels went untested (no triton)."""
    from mmhcml.models.ops.cost_volume_triton import triton_available
    if not triton_available():
        terminalreporter.write_line(
            'WARNING: triton is not installed, so the Triton cost-volume '
            "kernels (impl='auto' on CUDA) were NOT tested: the interpreter "
            "tests were skipped. `pip install -e \".[tests]\"` installs it "
            '(Linux); docs/test_suite.md.', red=True, bold=True)
