"""Rawframe folders: missing folders and frame counts found when the dataset
is built, unreadable frames named when loaded, the skip switch."""
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.config import Config

from mmhcml.datasets import UnreadableVideoError
from tests.conftest import build_listed, decode_pipeline

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PIPELINE = decode_pipeline(clip_len=8, video=False)


@pytest.fixture
def frames(tmp_path):
    """good/ (8 frames), short/ (5), zero/ and corrupt/ (8, frame 3 bad)."""
    root = tmp_path / 'rawframes'
    for name, count in (('good', 8), ('short', 5), ('zero', 8),
                        ('corrupt', 8)):
        (root / name).mkdir(parents=True)
        for i in range(1, count + 1):
            image = np.full((32, 32, 3), 30 * i, np.uint8)
            cv2.imwrite(str(root / name / f'{i:05}.jpg'), image)
    (root / 'zero' / '00003.jpg').write_bytes(b'')
    (root / 'corrupt' / '00003.jpg').write_bytes(b'\x00not a jpeg' * 20)
    return root


def build(tmp_path, root, lines, **kwargs):
    return build_listed(tmp_path, lines, dict(
        type='CheckedRawframeDataset', data_prefix=dict(img=str(root)),
        pipeline=PIPELINE, filename_tmpl='{:05}.jpg', num_classes=4),
        **kwargs)


def test_missing_folders_and_frame_counts_listed_when_built(frames,
                                                            tmp_path):
    with pytest.raises(FileNotFoundError) as error:
        build(tmp_path, frames, ['good 8 0', 'gone 8 1', 'short 8 2'])
    text = str(error.value)
    assert '2 rawframe folder(s)' in text
    assert 'gone (folder missing, ' in text and 'list.txt:2' in text
    assert 'the list claims 8 frames, 5 of them found; first missing: ' \
        '00006.jpg' in text
    with pytest.raises(ValueError, match=r'list.txt:1: expected "frame_dir '
                       r'total_frames label" \(3 columns\), got 2'):
        build(tmp_path, frames, ['good 0'])
    with pytest.raises(ValueError, match="total_frames must be an integer, "
                       "got 'eight'"):
        build(tmp_path, frames, ['good eight 0'])


@pytest.mark.parametrize('folder,problem', [
    ('zero', 'a zero-byte file'),
    ('corrupt', 'not a decodable image'),
])
def test_unreadable_frame_is_named(frames, tmp_path, folder, problem):
    dataset = build(tmp_path, frames, [f'{folder} 8 1'])
    with pytest.raises(UnreadableVideoError) as error:
        dataset[0]
    assert osp.join(str(frames), folder, '00003.jpg') in str(error.value)
    assert problem in str(error.value)


def test_skip_switch_and_test_mode(frames, tmp_path):
    lines = ['good 8 0', 'gone 8 1', 'short 8 2', 'zero 8 3']
    dataset = build(tmp_path, frames, lines, skip_unreadable=True)
    assert len(dataset) == 2  # gone and short dropped when building
    for _ in range(4):
        assert dataset[1]['data_samples'].gt_label.item() == 0
    assert set(dataset.skipped) == {
        osp.join(str(frames), n) for n in ('gone', 'short', 'zero')}
    with pytest.raises(FileNotFoundError, match='Test runs never skip'):
        build(tmp_path, frames, lines, skip_unreadable=True, test_mode=True)
    tested = build(tmp_path, frames, ['zero 8 3'], skip_unreadable=True,
                   test_mode=True)
    with pytest.raises(UnreadableVideoError, match='00003.jpg'):
        tested[0]


def test_sthv1_configs_use_the_checked_dataset():
    for name in ('joint_sthv1', 'ablations/baseline_r2d50_sthv1'):
        cfg = Config.fromfile(osp.join(ROOT, f'configs/hcml/{name}.py'))
        for loader in ('train', 'val', 'test'):
            dataset = cfg[f'{loader}_dataloader'].dataset
            assert dataset.type == 'CheckedRawframeDataset', (name, loader)
            assert dataset.num_classes == 174


def test_multi_class_lists_are_refused(frames, tmp_path):
    with pytest.raises(ValueError, match='CheckedRawframeDataset reads '
                       'single-label lists; use RawframeDataset for '
                       'multi_class=True'):
        build(tmp_path, frames, ['good 8 0'], multi_class=True)
