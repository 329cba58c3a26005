"""Motion features per level: extraction, k-NN, probe, efficacy, tool."""
import importlib.util
import json
import math
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmhcml.analysis._panels import panel_figure_size
from mmhcml.analysis.motion_feature_analysis import feature_dataloader_cfgs
from mmhcml.analysis.motion_features import (efficacy_score,
                                             extract_motion_features,
                                             knn_classify, retrieval,
                                             save_retrieval_examples,
                                             train_linear_probe)
from tests.conftest import tiny_model_cfg

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def clustered(noise_seed, num_classes=4, per_class=5, dim=8):
    """Features in tight, far-apart clusters, one per class; the centres are
    fixed, the noise around them depends on ``noise_seed``."""
    centres = np.random.default_rng(0).normal(size=(num_classes, dim)) * 10
    labels = np.repeat(np.arange(num_classes), per_class)
    noise = np.random.default_rng(noise_seed).normal(size=(len(labels), dim))
    return (centres[labels] + 0.1 * noise).astype(np.float32), labels


def test_knn_on_separated_classes_is_perfect_and_not_with_shuffled_labels():
    train, labels = clustered(noise_seed=1)
    query, query_labels = clustered(noise_seed=2)
    assert (knn_classify(train, labels, query, k=3) == query_labels).all()
    shuffled = np.random.default_rng(0).permutation(labels)
    acc = (knn_classify(train, shuffled, query, k=3) == query_labels).mean()
    assert acc < 0.75


def test_knn_majority_and_tie_break_by_nearest_neighbour():
    train = np.array([[0.0], [1.0], [1.1], [5.0], [5.2]])
    labels = np.array([0, 1, 1, 2, 2])
    # k=3 at 0.2: neighbours 0 (0), 1 (1), 1 (1) -> majority 1
    assert knn_classify(train, labels, np.array([[0.2]]), k=3)[0] == 1
    # k=1 is the nearest neighbour
    assert knn_classify(train, labels, np.array([[0.2]]), k=1)[0] == 0
    # k=4 at 3.2: 2 (5.0), 2 (5.2), 1 (1.1), 1 (1.0): tie 2-2, nearest is 2
    assert knn_classify(train, labels, np.array([[3.2]]), k=4)[0] == 2
    # k=4 at 2.9: 1 (1.1) is nearer than 2 (5.0): the tie goes to 1
    assert knn_classify(train, labels, np.array([[2.9]]), k=4)[0] == 1
    with pytest.raises(ValueError, match=r'k must be an int in \[1, 5\]'):
        knn_classify(train, labels, np.array([[0.0]]), k=6)
    with pytest.raises(ValueError, match='train_labels'):
        knn_classify(train, labels - 1, np.array([[0.0]]), k=1)


def test_retrieval_orders_by_distance_and_can_exclude_self():
    gallery = np.array([[0.0, 0.0], [3.0, 0.0], [1.0, 0.0], [0.0, 2.0]])
    hits = retrieval(np.array([[0.1, 0.0]]), gallery, k=4)
    assert hits.tolist() == [[0, 2, 3, 1]]
    hits = retrieval(gallery, gallery, k=2, exclude_self=True)
    assert hits.tolist() == [[2, 3], [2, 0], [0, 1], [0, 2]]
    with pytest.raises(ValueError, match='k must'):
        retrieval(gallery, gallery, k=4, exclude_self=True)


@pytest.mark.parametrize('acc_train, acc_test, expected', [
    (0.9, 0.6, 3.0),
    (1.0, 0.75, 4.0),
    (0.8, 0.8, math.inf),  # zero gap: no division, unbounded score
    (0.5, 0.7, math.inf),  # test better than train
    (0.0, 0.0, 0.0),  # nothing learned
    (0.0, 0.3, 0.0),
])
def test_efficacy_score(acc_train, acc_test, expected):
    assert efficacy_score(acc_train, acc_test) == pytest.approx(expected)


def test_efficacy_score_rejects_percentages():
    with pytest.raises(ValueError, match='acc_train.*got 90'):
        efficacy_score(90, 60)


def test_linear_probe_separates_clusters_and_is_deterministic():
    train, labels = clustered(noise_seed=1)
    test, test_labels = clustered(noise_seed=2)
    state = torch.get_rng_state()
    assert train_linear_probe(train, labels, test, test_labels,
                              epochs=50, lr=0.1) == (1.0, 1.0)
    assert torch.equal(state, torch.get_rng_state())  # global RNG untouched
    rng = np.random.default_rng(0)
    noise, noise_test = rng.normal(size=(40, 30)), rng.normal(size=(40, 30))
    random_labels = rng.integers(0, 4, 40)
    first = train_linear_probe(noise, random_labels, noise_test,
                               random_labels, epochs=100, lr=0.1, seed=3)
    again = train_linear_probe(noise, random_labels, noise_test,
                               random_labels, epochs=100, lr=0.1, seed=3)
    assert first == again
    assert first[0] > 0.9 > 0.6 > first[1]  # memorises noise, no transfer


def batch(clips, labels):
    samples = []
    for label in labels:
        sample = ActionDataSample()
        if label is not None:
            sample.set_gt_label(label)
        samples.append(sample)
    return dict(inputs=list(clips), data_samples=samples)


def test_extract_motion_features_pools_levels_and_averages_clips():
    model = MODELS.build(tiny_model_cfg(num_classes=14)).train()
    stats = {k: v.clone() for k, v in model.state_dict().items()}
    a, b = (torch.randint(0, 256, (1, 3, 8, 64, 64), dtype=torch.uint8)
            for _ in range(2))
    single = extract_motion_features(
        model, [batch([a], [3]), batch([b], [None])], [1, 2, 3],
        thumbnail_size=32, progress=False)
    assert single.labels.tolist() == [3, -1]
    assert single.thumbnails.shape == (2, 32, 32, 3)
    for level in (1, 2, 3):
        width = model.backbone.motion_channels(level)
        assert single.features[level].shape == (2, width)
        assert single.features[level].dtype == np.float32
    both = extract_motion_features(model, [batch([torch.cat([a, b])], [5])],
                                   [2], progress=False)
    assert list(both.features) == [2] and both.thumbnails is None
    np.testing.assert_allclose(both.features[2][0],
                               single.features[2].mean(0), rtol=1e-4,
                               atol=1e-6)
    # eval mode during extraction: BN statistics untouched, mode restored
    assert model.training
    for key, value in model.state_dict().items():
        assert torch.equal(value, stats[key]), key
    with pytest.raises(ValueError, match=r'subset of the backbone levels'):
        extract_motion_features(model, [], [4], progress=False)


def test_retrieval_figure_size_and_rows(tmp_path):
    thumbs = np.random.default_rng(0).integers(0, 256, (6, 32, 32, 3),
                                               dtype=np.uint8)
    labels = np.array([0, 0, 1, 1, 2, 2])
    hits = retrieval(np.zeros((6, 1)) + labels[:, None], np.zeros((6, 1)) +
                     labels[:, None], k=2, exclude_self=True)
    out = str(tmp_path / 'r.png')
    size = save_retrieval_examples(out, thumbs, thumbs, hits, labels, labels,
                                   ['a', 'b', 'c'], num_rows=5, panel_px=40)
    assert size == panel_figure_size(5, 3, 40, 16)
    assert cv2.imread(out).shape[:2] == size


VAL_PIPELINE = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=8, frame_interval=1, num_clips=1,
         test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]


def data_config(info):
    root = info['root']

    def loader(split, pipeline, test_mode):
        return dict(
            batch_size=4, num_workers=0, persistent_workers=False,
            sampler=dict(type='DefaultSampler', shuffle=split == 'train'),
            dataset=dict(type='VideoDataset', ann_file=f'{root}/{split}.txt',
                         data_prefix=dict(video=f'{root}/videos'),
                         pipeline=pipeline, test_mode=test_mode))

    train_pipeline = [dict(type='DecordInit'),
                      dict(type='SampleFrames', clip_len=8, num_clips=1),
                      dict(type='DecordDecode'),
                      dict(type='RandomResizedCrop'),
                      dict(type='Resize', scale=(64, 64), keep_ratio=False),
                      dict(type='FormatShape', input_format='NCTHW'),
                      dict(type='PackActionInputs')]
    return dict(train_dataloader=loader('train', train_pipeline, False),
                val_dataloader=loader('val', VAL_PIPELINE, True))


def test_train_features_use_the_val_pipeline(rendered_benchmark):
    cfg = Config(data_config(rendered_benchmark))
    train, val = feature_dataloader_cfgs(cfg)
    assert train['dataset']['pipeline'] == VAL_PIPELINE
    assert train['dataset']['ann_file'].endswith('train.txt')
    assert val['dataset']['ann_file'].endswith('val.txt')
    assert not train['sampler']['shuffle']
    with pytest.raises(ValueError, match='val_dataloader.*--data-config'):
        feature_dataloader_cfgs(Config(dict(train_dataloader=dict())))


def test_motion_features_tool_end_to_end(tmp_path, rendered_benchmark):
    # a model config without data (as a self-supervised stage) plus
    # --data-config for the labelled sets
    cfg = dict(model=tiny_model_cfg(num_classes=14), default_scope='mmaction')
    config, data = str(tmp_path / 'model.py'), str(tmp_path / 'data.py')
    Config(cfg).dump(config)
    Config(data_config(rendered_benchmark)).dump(data)
    ckpt = str(tmp_path / 'model.pth')
    torch.save({'state_dict': MODELS.build(cfg['model']).state_dict(),
                'meta': {}}, ckpt)
    path = osp.join(ROOT, 'tools', 'analysis', 'motion_features.py')
    spec = importlib.util.spec_from_file_location('_tool_mf', path)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    out = tmp_path / 'out'
    with pytest.raises(FileNotFoundError, match='absent.pth'):
        tool.main([config, str(tmp_path / 'absent.pth'), '--out-dir',
                   str(out)])
    with pytest.raises(ValueError, match='--data-config'):
        tool.main([config, ckpt, '--out-dir', str(out)])
    result = tool.main([config, ckpt, '--levels', '1', '3', '--out-dir',
                        str(out), '--k', '3', '--probe-epochs', '20',
                        '--data-config', data])
    with open(out / 'motion_features.json') as f:
        written = json.load(f)
    assert written['levels'] == result['levels']
    assert written['num_train'] == written['num_val'] == 14
    assert sorted(written['levels']) == ['1', '3']
    for level in (1, 3):
        stats = written['levels'][str(level)]
        assert set(stats) == {'knn_acc', 'probe_acc_train', 'probe_acc_test',
                              'efficacy_score'}
        assert 0 <= stats['knn_acc'] <= 1
        npz = np.load(out / f'features_l{level}.npz')
        width = MODELS.build(cfg['model']).backbone.motion_channels(level)
        assert npz['train_features'].shape == (14, width)
        assert sorted(npz['val_labels'].tolist()) == list(range(14))
        image = cv2.imread(str(out / f'retrieval_l{level}.png'))
        assert image.shape[:2] == panel_figure_size(4, 4, 96, 16)
    assert not (out / 'features_l2.npz').exists()
