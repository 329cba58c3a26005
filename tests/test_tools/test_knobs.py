"""Named settings (mmhcml.cli.knobs): one set of small-run settings reaches
every place of the paper configs; expected values computed by hand from the
configs' own values (Something-V1: crop 224, rescale (256, 320), test
Resize 256 + ThreeCrop 256, 150 epochs with a 50-epoch warm-up)."""
import os.path as osp
from types import SimpleNamespace

import pytest
from mmengine.config import Config

from mmhcml.cli._common import cap_workers, setup_cpu_distributed
from mmhcml.cli.knobs import (apply_knobs, count_test_views,
                              fractional_epochs_to_iters, read_config,
                              split_knobs, views_text)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def cfg_of(name):
    return Config.fromfile(osp.join(ROOT, 'configs', 'hcml', name))


def steps(cfg, loader):
    return {s['type']: s for s in cfg[loader].dataset.pipeline}


SMALL = dict(data_root='/d/rawframes', ann_file_train='/d/train.txt',
             ann_file_val='/d/val.txt', num_classes=4, clip_len=8,
             input_size=64, max_epochs=1, batch_size=2, num_workers=0)


def test_small_run_settings_reach_every_place_of_joint_sthv1():
    cfg = cfg_of('joint_sthv1.py')
    notes = apply_knobs(cfg, dict(SMALL))
    train, val, test = (steps(cfg, f'{s}_dataloader')
                        for s in ('train', 'val', 'test'))
    # clip length in every sampler, test keeps its 3 clips
    assert [p['SampleFrames']['clip_len'] for p in (train, val, test)] == [
        8, 8, 8]
    assert test['SampleFrames']['num_clips'] == 3
    # 224 -> 64 is x 2/7: 256 -> 73.1, 320 -> 91.4 (rescale rounded);
    # crops and fixed resizes floor to multiples of 32: 256 -> 64
    assert train['RandomRescale']['scale_range'] == (73, 91)
    assert train['RandomCrop']['size'] == 64
    assert val['Resize']['scale'] == (-1, 64)
    assert val['CenterCrop']['crop_size'] == 64
    assert test['Resize']['scale'] == (-1, 64)
    assert test['ThreeCrop']['crop_size'] == 64
    # the top-level test_pipeline (read by inference_recognizer) as well
    top = {s['type']: s for s in cfg.test_pipeline}
    assert top['SampleFrames']['clip_len'] == 8
    assert top['ThreeCrop']['crop_size'] == 64
    # classes: the classifier, the datasets, and no flip pair survives
    # ({2: 4, 30: 41, 52: 66} all name a label >= 4)
    assert cfg.model.cls_head.num_classes == 4
    assert {cfg[f'{s}_dataloader'].dataset.num_classes
            for s in ('train', 'val', 'test')} == {4}
    assert train['Flip']['flip_label_map'] is None
    assert any('[2, 4, 30, 41, 52, 66] were dropped' in n for n in notes)
    # paths: the test set reads the validation list
    assert cfg.train_dataloader.dataset.ann_file == '/d/train.txt'
    assert cfg.test_dataloader.dataset.ann_file == '/d/val.txt'
    assert cfg.val_dataloader.dataset.data_prefix.img == '/d/rawframes'
    # schedule: 1 of 150 epochs, warm-up 50 -> 1/3 epoch
    assert cfg.train_cfg.max_epochs == 1
    warmup, cosine = cfg.param_scheduler
    assert (warmup.begin, warmup.end) == (0, pytest.approx(1 / 3, abs=1e-6))
    assert (cosine.begin, cosine.end) == (pytest.approx(1 / 3, abs=1e-6), 1)
    assert cosine.T_max == pytest.approx(2 / 3, abs=1e-6)
    # loaders: training/validation batch, testing keeps 1; no workers
    assert (cfg.train_dataloader.batch_size, cfg.val_dataloader.batch_size,
            cfg.test_dataloader.batch_size) == (2, 2, 1)
    assert cfg.train_dataloader.persistent_workers is False
    assert cfg.test_dataloader.num_workers == 0


def test_flip_pairs_inside_the_classes_are_kept():
    cfg = cfg_of('joint_sthv1.py')
    apply_knobs(cfg, dict(num_classes=42))
    assert steps(cfg, 'train_dataloader')['Flip']['flip_label_map'] == {
        2: 4, 4: 2, 30: 41, 41: 30}


def test_the_same_settings_fit_a_stage_config_without_classifier():
    cfg = cfg_of('stage1_sthv1.py')
    apply_knobs(cfg, dict(SMALL))
    assert cfg.model.cls_head is None
    train = steps(cfg, 'train_dataloader')
    assert cfg.train_dataloader.dataset.ann_file == '/d/train.txt'
    assert train['SampleFrames']['clip_len'] == 8
    crops = [s.get('size', s.get('crop_size')) for s in train.values()
             if s['type'] in ('RandomCrop', 'RandomCameraMotion')]
    assert crops and set(crops) == {64}
    # an enlargement inside RandomApply is a factor, not a size
    for inner in train.get('RandomApply', {}).get('transforms', []):
        assert isinstance(inner.get('scale'), float)


def test_positional_classes_with_the_174_class_flip_map_are_refused():
    # the out-of-range flip made training die later with
    # "IndexError: Target 4 is out of bounds"
    with pytest.raises(ValueError,
                       match=r'pairs \{2: 4, 4: 2.*outside num_classes=4'):
        read_config(osp.join(ROOT, 'configs/hcml/joint_sthv1.py'),
                    {'model.cls_head.num_classes': 4})
    cfg = read_config(osp.join(ROOT, 'configs/hcml/joint_sthv1.py'),
                      {'num_classes': 4, 'train_dataloader.batch_size': 3})
    assert cfg.train_dataloader.batch_size == 3


def test_bad_named_settings_are_refused():
    with pytest.raises(ValueError, match='no top-level data_root_val'):
        apply_knobs(cfg_of('joint_sthv1.py'), dict(data_root_val='/x'))
    with pytest.raises(ValueError, match='clip_len must be an int >= 1'):
        apply_knobs(cfg_of('joint_sthv1.py'), dict(clip_len=0))
    knobs, rest = split_knobs({'clip_len': 8, 'model.cls_head.x': 1,
                               'data_root_val': 'v', 'work_dir': 'w'})
    assert knobs == {'clip_len': 8, 'data_root_val': 'v'}
    assert rest == {'model.cls_head.x': 1, 'work_dir': 'w'}


def test_path_settings_move_paths_under_them():
    cfg = cfg_of('tiny/hcml_tiny_joint_synthetic.py')
    apply_knobs(cfg, dict(data_root='/bench'))
    assert cfg.train_dataloader.dataset.ann_file == '/bench/train.txt'
    assert cfg.test_dataloader.dataset.data_prefix.video == '/bench/videos'


def test_fractional_epochs_become_iterations():
    # 3 iterations per epoch: warm-up [0, 1/3) -> [0, 1) -> at least 2
    # iterations; cosine [1/3, 1), T_max 2/3 -> [1, 3), T_max 2
    cfg = cfg_of('joint_sthv1.py')
    apply_knobs(cfg, dict(max_epochs=1))
    warmup, cosine = fractional_epochs_to_iters(cfg.param_scheduler, 3)
    assert (warmup.begin, warmup.end, warmup.by_epoch) == (0, 2, False)
    assert 'convert_to_iter_based' not in warmup
    assert (cosine.begin, cosine.end, cosine.T_max) == (1, 3, 2)
    # whole epochs stay as they are
    shipped = cfg_of('joint_sthv1.py').param_scheduler
    assert fractional_epochs_to_iters(shipped, 3) == shipped


def test_views_per_test_video():
    nine = count_test_views(cfg_of('joint_sthv1.py'))
    assert views_text(nine) == '3 clips x 3 crops = 9 views'
    assert count_test_views(cfg_of('joint_k400.py'))['views'] == 30
    assert count_test_views(cfg_of('stage1_sthv1.py')) is None
    assert views_text(dict(clips=1, crops=1, views=1)) == \
        '1 clip x 1 crop = 1 view'


def test_cpu_processes_get_no_device_ids_and_gloo():
    cfg = cfg_of('joint_sthv1.py')
    note = setup_cpu_distributed(cfg, 'pytorch', cuda=False)
    assert cfg.model_wrapper_cfg.device_ids is None
    assert cfg.env_cfg.dist_cfg.backend == 'gloo' and 'gloo' in note
    # an explicit backend is kept; GPUs and single processes are untouched
    cfg = cfg_of('joint_sthv1.py')
    cfg.env_cfg.dist_cfg.backend = 'mpi'
    assert setup_cpu_distributed(cfg, 'pytorch', cuda=False) is None
    assert cfg.env_cfg.dist_cfg.backend == 'mpi'
    for launcher, cuda in (('none', False), ('pytorch', True)):
        cfg = cfg_of('joint_sthv1.py')
        assert setup_cpu_distributed(cfg, launcher, cuda=cuda) is None
        assert 'model_wrapper_cfg' not in cfg


def test_workers_capped_at_the_cpus():
    cfg = cfg_of('joint_sthv1.py')
    note = cap_workers(cfg, cpus=2)
    assert cfg.train_dataloader.num_workers == 2
    assert 'train_dataloader 8' in note
    assert cap_workers(cfg, cpus=2) is None


def test_no_workers_means_no_persistent_workers():
    cfg = read_config(osp.join(ROOT, 'configs/hcml/joint_sthv1.py'),
                      {'train_dataloader.num_workers': 0})
    assert cfg.train_dataloader.persistent_workers is False
    assert cfg.val_dataloader.persistent_workers is True


def test_a_named_setting_beats_nothing_but_a_dotted_key_beats_it():
    args = SimpleNamespace(
        config=osp.join(ROOT, 'configs/hcml/joint_sthv1.py'),
        cfg_options={'clip_len': 8,
                     'train_dataloader.dataset.pipeline.0.clip_len': 4})
    from mmhcml.cli._common import load_config
    cfg = load_config(args)
    assert cfg.train_dataloader.dataset.pipeline[0].clip_len == 4
    assert cfg.val_dataloader.dataset.pipeline[0].clip_len == 8


@pytest.mark.parametrize('backbone', ['r2d50', 'r2plus1d101'])
@pytest.mark.parametrize('dataset', ['sthv1', 'sthv2', 'k400'])
def test_one_set_of_settings_fits_every_schedule_config(dataset, backbone):
    from mmhcml.cli.schedule import stage_configs
    for stage, path in stage_configs(dataset, backbone):
        cfg = Config.fromfile(path)
        apply_knobs(cfg, dict(num_classes=4, clip_len=8, input_size=64,
                              max_epochs=1, batch_size=2, num_workers=0))
        samplers = [s for s in cfg.train_dataloader.dataset.pipeline
                    if s['type'] == 'SampleFrames']
        assert [s['clip_len'] for s in samplers] == [8], (stage, path)
        crops = [s.get('size', s.get('crop_size'))
                 for s in cfg.train_dataloader.dataset.pipeline
                 if s['type'] in ('RandomCrop', 'RandomCameraMotion',
                                  'MultiScaleCrop')]
        assert crops == [64], (stage, path)
        assert cfg.train_cfg.max_epochs == 1
        if stage == 'joint':
            assert cfg.model.cls_head.num_classes == 4
            views = count_test_views(cfg)
            assert views['views'] == (30 if dataset == 'k400' else 9)
