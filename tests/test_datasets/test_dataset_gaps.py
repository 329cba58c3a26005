"""The remaining dataset gaps: a bad entry listed twice with skipping on,
unlabelled rawframes checked like labelled ones, config values of the wrong
type, labels beyond the classifier, repeated test entries, and the checked
frame decoding as a drop-in for MMAction2's stock RawframeDataset."""
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.runner import Runner

from mmaction.registry import DATASETS
from mmhcml.datasets import AllEntriesSkippedError, UnreadableVideoError
from mmhcml.datasets import video_checks
from mmhcml.datasets.video_checks import check_dataset_labels
from tests.conftest import build_listed, decode_pipeline

VIDEO_PIPELINE = decode_pipeline(clip_len=4)


def frame_pipeline(decode='RawFrameDecode', clip_len=8):
    return [
        dict(type='SampleFrames', clip_len=clip_len, frame_interval=1,
             num_clips=1),
        dict(type=decode),
        dict(type='Resize', scale=(16, 16), keep_ratio=False),
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackActionInputs')
    ]


@pytest.fixture
def videos(bad_videos):
    return bad_videos


@pytest.fixture
def frames(tmp_path):
    """good/ (8 frames), short/ (5), zero/ (frame 3 zero bytes), corrupt/
    (frame 3 not a jpg)."""
    root = tmp_path / 'rawframes'
    for name, count in (('good', 8), ('short', 5), ('zero', 8),
                        ('corrupt', 8)):
        (root / name).mkdir(parents=True)
        for i in range(1, count + 1):
            cv2.imwrite(str(root / name / f'{i:05}.jpg'),
                        np.full((32, 32, 3), 30 * i, np.uint8))
    (root / 'zero' / '00003.jpg').write_bytes(b'')
    (root / 'corrupt' / '00003.jpg').write_bytes(b'\x00not a jpeg' * 20)
    return root


def test_bad_entry_listed_twice_does_not_exhaust_retries(videos, frames,
                                                         tmp_path):
    video = dict(type='CheckedVideoDataset',
                 data_prefix=dict(video=str(videos)),
                 pipeline=VIDEO_PIPELINE, skip_unreadable=True)
    # only the same bad video, twice: every entry is unusable, said at once
    # (not MMAction2's "Cannot find valid image after 1000!")
    dataset = build_listed(tmp_path, ['text.mp4 0', 'text.mp4 1'], video)
    with pytest.raises(AllEntriesSkippedError, match='every one of the 1 '):
        dataset[0]
    # beside good entries: the bad one is decoded once, refetches avoid it
    dataset = build_listed(tmp_path, ['text.mp4 0'] * 5 + ['good.mp4 1'],
                           video)
    for index in range(6):
        assert dataset[index]['data_samples'].gt_label.item() == 1
    assert list(dataset.skipped) == [str(videos / 'text.mp4')]
    unlabelled = DATASETS.build(dict(
        type='UnlabelledVideoDataset', ann_file=str(tmp_path / 'u.txt'),
        data_prefix=dict(img=str(frames)), data_type='rawframes',
        filename_tmpl='{:05}.jpg', start_index=1, skip_unreadable=True,
        pipeline=frame_pipeline(), lazy_init=True))
    (tmp_path / 'u.txt').write_text('zero\nzero\ncorrupt\n')
    unlabelled.full_init()
    with pytest.raises(AllEntriesSkippedError, match='every one of the 2 '):
        for _ in range(3):
            unlabelled[0]


def test_unlabelled_rawframes_get_folder_and_frame_checks(frames, tmp_path):

    def build(lines, **kwargs):
        (tmp_path / 'u.txt').write_text('\n'.join(lines) + '\n')
        return DATASETS.build(dict(
            type='UnlabelledVideoDataset', ann_file=str(tmp_path / 'u.txt'),
            data_prefix=dict(img=str(frames)), data_type='rawframes',
            filename_tmpl='{:05}.jpg', start_index=1,
            pipeline=frame_pipeline(), **kwargs))

    with pytest.raises(FileNotFoundError) as error:
        build(['good', 'gone', 'short 8'])
    text = str(error.value)
    assert 'gone (folder missing, ' in text and 'u.txt:2' in text
    assert 'short (the list claims 8 frames, 5 of them found; first ' \
        'missing: 00006.jpg, ' in text
    for folder, problem in (('zero', 'a zero-byte file'),
                            ('corrupt', 'not a decodable image')):
        with pytest.raises(UnreadableVideoError) as error:
            build([folder])[0]
        frame = osp.join(str(frames), folder, '00003.jpg')
        assert f"cannot load frame '{frame}' of rawframe folder" in str(
            error.value)
        assert problem in str(error.value) and 'video' not in str(
            error.value).split('(')[0]
    assert len(build(['good', 'gone', 'short'], skip_unreadable=True)) == 2


@pytest.mark.parametrize('change,match', [
    (dict(clip_len='8'), r"pipeline step 0 \(SampleFrames\): clip_len must "
     r"be an int >= 1 \(a number in the config, not a string\), got '8'"),
    (dict(num_clips=0), 'num_clips must be an int >= 1'),
    (dict(num_classes='4'), r"num_classes must be an int >= 1 .*got '4' "
     r'\(str\)'),
    (dict(skip_unreadable='yes'), "skip_unreadable must be True or False"),
    (dict(size='16'), r'pipeline step 2 \(Resize\): scale must be a number'),
])
def test_wrong_config_types_are_named_when_built(frames, tmp_path, change,
                                                 match):
    pipeline = frame_pipeline()
    if 'clip_len' in change or 'num_clips' in change:
        pipeline[0].update(change)
    if 'size' in change:
        pipeline[2]['scale'] = ('16', 16)
    cfg = dict(type='CheckedRawframeDataset', data_prefix=dict(
        img=str(frames)), pipeline=pipeline, filename_tmpl='{:05}.jpg',
        num_classes=change.get('num_classes', 4))
    if 'skip_unreadable' in change:
        cfg['skip_unreadable'] = change['skip_unreadable']
    with pytest.raises(ValueError, match=match):
        build_listed(tmp_path, ['good 8 0'], cfg)
    with pytest.raises(ValueError, match='clip_len must be an int'):
        DATASETS.build(dict(type='UnlabelledVideoDataset',
                            ann_file=str(tmp_path / 'list.txt'),
                            pipeline=frame_pipeline(clip_len='8')))


def test_labels_beyond_the_classifier_are_named(frames, tmp_path,
                                                rendered_benchmark):
    cfg = dict(type='CheckedRawframeDataset',
               data_prefix=dict(img=str(frames)), pipeline=frame_pipeline(),
               filename_tmpl='{:05}.jpg')
    dataset = build_listed(tmp_path, ['good 8 0', 'good 8 5'], cfg)
    with pytest.raises(ValueError, match=r'list.txt:2: label 5 is outside '
                       r'0 .. 3: model.cls_head.num_classes=4'):
        check_dataset_labels(dataset, 4, 'model.cls_head.num_classes')
    check_dataset_labels(dataset, 6, 'model.cls_head.num_classes')
    # Something-V1's flip label map with 4 classes maps 2 to 4
    flip = frame_pipeline()
    flip.insert(2, dict(type='Flip', flip_ratio=0.5,
                        flip_label_map={2: 4, 4: 2, 30: 41, 41: 30}))
    with pytest.raises(ValueError, match=r'\(Flip\): flip_label_map maps '
                       r'label 2 to 4, outside 0 .. 3 \(num_classes=4\)'):
        build_listed(tmp_path, ['good 8 0'], dict(cfg, pipeline=flip),
                     num_classes=4)
    flipped = build_listed(tmp_path, ['good 8 0'], dict(cfg, pipeline=flip))
    with pytest.raises(ValueError, match='maps label 2 to 4'):
        check_dataset_labels(flipped, 4, 'model.cls_head.num_classes')
    # through training: refused before the first iteration
    from tests.test_reliability.test_checkpoint_safety import tiny_cfg
    run = tiny_cfg(rendered_benchmark, tmp_path / 'work', 1)
    run.model.cls_head.num_classes = 4  # the synthetic lists have 14
    with pytest.raises(ValueError, match=r'train.txt:\d+: label \d+ is '
                       r'outside 0 .. 3: model.cls_head.num_classes=4'):
        Runner.from_cfg(run).train()


def test_repeated_test_entries_are_warned_about(frames, tmp_path,
                                                monkeypatch):
    logged = []
    monkeypatch.setattr(video_checks, 'print_log',
                        lambda text, **kwargs: logged.append(text))
    cfg = dict(type='CheckedRawframeDataset',
               data_prefix=dict(img=str(frames)), pipeline=frame_pipeline(),
               filename_tmpl='{:05}.jpg', num_classes=4)
    build_listed(tmp_path, ['good 8 0', 'good 8 0'], cfg)
    assert logged == []  # training lists may repeat on purpose
    build_listed(tmp_path, ['good 8 0', 'short 5 1', 'good 8 0'], cfg,
                 test_mode=True)
    assert len(logged) == 1
    assert '1 entry is listed more than once in the test list' in logged[0]
    assert f'{frames}/good (lines 1, 3)' in logged[0]


def test_checked_decode_is_a_drop_in_for_the_stock_dataset(frames,
                                                           tmp_path):
    for folder, problem in (('zero', 'a zero-byte file'),
                            ('corrupt', 'not a decodable image')):
        dataset = build_listed(tmp_path, [f'{folder} 8 0'], dict(
            type='RawframeDataset', data_prefix=dict(img=str(frames)),
            filename_tmpl='{:05}.jpg',
            pipeline=frame_pipeline('CheckedRawFrameDecode')))
        with pytest.raises(UnreadableVideoError) as error:
            dataset[0]
        frame = osp.join(str(frames), folder, '00003.jpg')
        assert f"cannot load frame '{frame}' of rawframe folder" in str(
            error.value) and problem in str(error.value)
    good = build_listed(tmp_path, ['good 8 2'], dict(
        type='RawframeDataset', data_prefix=dict(img=str(frames)),
        filename_tmpl='{:05}.jpg', start_index=1,
        pipeline=frame_pipeline('CheckedRawFrameDecode')))
    assert tuple(good[0]['inputs'].shape) == (1, 3, 8, 16, 16)
