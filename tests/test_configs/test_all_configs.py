"""Every config under configs/ builds (model, hooks, pipelines, datasets over
tiny annotation files) and runs one training iteration on rendered videos,
with widths, clip lengths and crop sizes shrunk to CPU size."""
import copy
import glob
import os
import os.path as osp

import cv2
import decord
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

from mmaction.registry import DATASETS, HOOKS, MODELS
from tests.test_configs.test_config_snapshot import is_entry_config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

CONFIGS = sorted(
    p for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'),
                         recursive=True) if is_entry_config(p))


def test_every_entry_point_named_in_the_issue_exists():
    for name in ('stage1', 'stage2', 'stage3', 'joint'):
        for ds in ('sthv1', 'sthv2', 'k400'):
            assert osp.isfile(osp.join(ROOT, f'configs/hcml/{name}_{ds}.py'))
            assert osp.isfile(
                osp.join(ROOT, f'configs/hcml/r2plus1d101/{name}_{ds}.py'))
    for split in (1, 2, 3):
        assert osp.isfile(
            osp.join(ROOT, f'configs/hcml/finetune_ucf101_split{split}.py'))


@pytest.fixture(scope='module')
def rawframes(rendered_benchmark, tmp_path_factory):
    """The rendered training videos as rawframe folders ({:05}.jpg from 1)."""
    root = tmp_path_factory.mktemp('rawframes')
    lines = []
    videos = osp.join(rendered_benchmark['root'], 'videos')
    with open(osp.join(rendered_benchmark['root'], 'train.txt')) as f:
        entries = [line.split() for line in f if line.strip()][:4]
    for index, (path, label) in enumerate(entries):
        frames = decord.VideoReader(osp.join(videos, path))
        folder = root / f'clip{index}'
        folder.mkdir()
        for i in range(len(frames)):
            cv2.imwrite(str(folder / f'{i + 1:05}.jpg'),
                        frames[i].asnumpy()[..., ::-1])
        lines.append(f'clip{index} {len(frames)} {label}')
    (root / 'list.txt').write_text('\n'.join(lines) + '\n')
    return str(root)


def shrink_pipeline(pipeline):
    for step in pipeline:
        kind = step['type']
        if kind == 'SampleFrames':
            step.update(clip_len=8, frame_interval=1,
                        num_clips=min(step.get('num_clips', 1), 2))
        elif kind == 'RandomRescale':
            step['scale_range'] = (64, 72)
        elif kind == 'RandomCrop':
            step['size'] = 64
        elif kind == 'RandomCameraMotion':
            step['crop_size'] = 64
        elif kind == 'Resize' and step.get('keep_ratio', True):
            step['scale'] = (-1, 64)
        elif kind == 'CenterCrop':
            step['crop_size'] = 64
        elif kind == 'ThreeCrop':  # must equal the short side
            step['crop_size'] = 64


def shrink_dataset(dataset, info, rawframes):
    if dataset['type'] == 'ConcatDataset':
        for part in dataset['datasets']:
            shrink_dataset(part, info, rawframes)
        return
    if dataset['type'] in ('RawframeDataset', 'CheckedRawframeDataset') or \
            dataset.get(
            'data_type') == 'rawframes':
        # the fixture's frames are named {:05}.jpg from 1 (Something-V1's
        # layout); the real-footage configs read img_{:05}.jpg from 0
        dataset.update(ann_file=osp.join(rawframes, 'list.txt'),
                       data_prefix=dict(img=rawframes),
                       filename_tmpl='{:05}.jpg', start_index=1)
    else:
        dataset.update(ann_file=osp.join(info['root'], 'train.txt'),
                       data_prefix=dict(video=osp.join(info['root'],
                                                       'videos')))
    shrink_pipeline(dataset['pipeline'])


def shrink_model(model):
    inner = model['backbone'].get('backbone', model['backbone'])
    bottleneck = inner['type'] == 'ResNet2Plus1dTopHeavy'
    inner.update(base_channels=4 if bottleneck else 8,
                 stage_blocks=(1, 1, 1, 1))
    if not bottleneck:
        inner['depth'] = 18
    if 'motion_block' in model['backbone']:
        model['backbone']['motion_block'].update(
            reduction=2, max_displacement=2, stride=1)
    if model.get('cls_head'):
        model['cls_head']['in_channels'] = 128 if bottleneck else 64
    for head in model.get('motion_heads') or []:
        if head['type'] == 'FlowReconstructionHead':
            head['dense_channels'] = (4, 4, 4, 4, 4)
        else:
            head.update(num_locations=4, num_steps=1)


@pytest.mark.parametrize('path', CONFIGS,
                         ids=[osp.relpath(p, ROOT) for p in CONFIGS])
def test_config_builds_and_trains_one_iteration(path, rendered_benchmark,
                                                rawframes):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmaction'
    assert 'mmhcml' in cfg.custom_imports['imports']
    for hook in cfg.get('custom_hooks', []):
        HOOKS.build(copy.deepcopy(hook))
    model_cfg = copy.deepcopy(cfg.model)
    shrink_model(model_cfg)
    model = MODELS.build(model_cfg)

    dataset_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    shrink_dataset(dataset_cfg, rendered_benchmark, rawframes)
    dataset = DATASETS.build(dataset_cfg)
    batch = pseudo_collate([dataset[0], dataset[1]])
    model.train()
    data = model.data_preprocessor(batch, training=True)
    losses = model(**data, mode='loss')
    loss, _ = model.parse_losses(losses)
    assert torch.isfinite(loss)
    loss.backward()

    if cfg.get('test_dataloader'):
        test_cfg = copy.deepcopy(cfg.test_dataloader.dataset)
        shrink_dataset(test_cfg, rendered_benchmark, rawframes)
        item = DATASETS.build(test_cfg)[0]
        model.eval()
        with torch.no_grad():
            data = model.data_preprocessor(pseudo_collate([item]))
            out = model(**data, mode='predict')
        assert out[0].pred_score.shape[-1] == cfg.model.cls_head.num_classes


@pytest.mark.parametrize('path', CONFIGS,
                         ids=[osp.relpath(p, ROOT) for p in CONFIGS])
def test_config_keeps_two_checkpoints_saved_crash_safe(path):
    """A truncated newest checkpoint must leave an intact one to resume."""
    checkpoint = Config.fromfile(path).default_hooks.checkpoint
    assert checkpoint.type == 'SafeCheckpointHook'
    keep = checkpoint.get('max_keep_ckpts', -1)
    assert keep == -1 or keep >= 2, f'max_keep_ckpts={keep}'
