"""Bad input gets an error naming the file or line, or is skipped and logged."""
import os.path as osp

import pytest

from mmaction.registry import DATASETS
from mmhcml.datasets import AllEntriesSkippedError, UnreadableVideoError
from tests.conftest import build_listed, decode_pipeline

PIPELINE = decode_pipeline(clip_len=4)


@pytest.fixture
def videos(bad_videos):
    """One good, one truncated, one non-video, one empty file."""
    return bad_videos


def build(tmp_path, lines, root, **kwargs):
    return build_listed(tmp_path, lines, dict(
        type='CheckedVideoDataset', data_prefix=dict(video=str(root)),
        pipeline=PIPELINE, num_classes=5), **kwargs)


@pytest.mark.parametrize('line,match', [
    ('good.mp4', r'list.txt:2: expected "path label" \(2 columns\), got 1'),
    ('good.mp4 3 extra', 'got 3'),
    ('good.mp4 three', "label must be an integer, got 'three'"),
    ('good.mp4 7', r'unknown label 7 \(num_classes=5\)'),
    ('good.mp4 -1', 'unknown label -1'),
])
def test_bad_annotation_lines_name_file_line_and_value(videos, tmp_path,
                                                        line, match):
    with pytest.raises(ValueError, match=match):
        build(tmp_path, ['good.mp4 0', line], videos)


def test_missing_and_empty_files_are_found_at_build_time(videos, tmp_path):
    with pytest.raises(FileNotFoundError) as error:
        build(tmp_path, ['good.mp4 0', 'gone.mp4 1', 'empty.mp4 2'], videos)
    text = str(error.value)
    assert '2 video(s)' in text and 'gone.mp4 (missing' in text
    assert 'empty.mp4 (empty file' in text and 'list.txt:3' in text
    assert 'skip_unreadable=True' in text


@pytest.mark.parametrize('name', ['truncated.mp4', 'text.mp4'])
def test_undecodable_video_is_named_when_loaded(videos, tmp_path, name):
    dataset = build(tmp_path, [f'{name} 1'], videos)
    with pytest.raises(UnreadableVideoError, match=name):
        dataset[0]


def test_too_short_video_error_loop_and_skip(videos, tmp_path):
    pipeline = [dict(PIPELINE[0]),
                dict(PIPELINE[1], clip_len=40),
                *[dict(p) for p in PIPELINE[2:]]]
    dataset = build(tmp_path, ['good.mp4 0'], videos, pipeline=pipeline)
    with pytest.raises(UnreadableVideoError,
                       match=r'has 8 frames, fewer than the 40'):
        dataset[0]
    looped = build(tmp_path, ['good.mp4 0'], videos, pipeline=pipeline,
                   short_video='loop')
    assert looped[0]['inputs'].shape[2] == 40
    with pytest.raises(ValueError, match='short_video'):
        build(tmp_path, ['good.mp4 0'], videos, short_video='pad')


def test_skip_unreadable_logs_and_counts_every_path(videos, tmp_path):
    dataset = build(tmp_path, ['good.mp4 0', 'gone.mp4 1', 'empty.mp4 2',
                               'truncated.mp4 3', 'text.mp4 4'], videos,
                    skip_unreadable=True)
    assert len(dataset) == 3  # missing and empty dropped when building
    for _ in range(6):
        for index in range(len(dataset)):
            item = dataset[index]  # broken ones are replaced by good ones
            assert item['data_samples'].gt_label.item() == 0
    assert set(dataset.skipped) == {
        osp.join(str(videos), n)
        for n in ('gone.mp4', 'empty.mp4', 'truncated.mp4', 'text.mp4')}
    assert dataset.skipped[osp.join(str(videos), 'gone.mp4')] == 'missing'


def test_test_mode_never_skips(videos, tmp_path):
    dataset = build(tmp_path, ['text.mp4 1'], videos, skip_unreadable=True,
                    test_mode=True)
    with pytest.raises(UnreadableVideoError, match='text.mp4'):
        dataset[0]


def test_test_mode_never_drops_missing_or_empty_videos(videos, tmp_path):
    # the metric must cover every listed video: refuse instead of dropping
    with pytest.raises(FileNotFoundError, match='Test runs never skip') as e:
        build(tmp_path, ['good.mp4 0', 'gone.mp4 1', 'empty.mp4 2'], videos,
              skip_unreadable=True, test_mode=True)
    assert 'gone.mp4 (missing' in str(e.value)
    assert 'empty.mp4 (empty file' in str(e.value)


def test_every_entry_skipped_says_so_and_stops(videos, tmp_path):
    with pytest.raises(AllEntriesSkippedError,
                       match='skipped every one of the 2 entries'):
        build(tmp_path, ['gone.mp4 0', 'empty.mp4 1'], videos,
              skip_unreadable=True)
    dataset = build(tmp_path, ['text.mp4 0', 'truncated.mp4 1'], videos,
                    skip_unreadable=True)
    with pytest.raises(AllEntriesSkippedError, match='text.mp4'):
        dataset[0]  # not MMEngine's "Cannot find valid image after 1000!"


def test_non_utf8_annotation_file_is_named(videos, tmp_path):
    ann = tmp_path / 'list.txt'
    ann.write_bytes(b'good.mp4 0\n\xff\xfe\x00binary\n')
    cfg = dict(type='CheckedVideoDataset', ann_file=str(ann),
               data_prefix=dict(video=str(videos)), pipeline=PIPELINE)
    with pytest.raises(ValueError,
                       match=r"list.txt' is not UTF-8 text: byte 11 "
                       r"\(line 2\) is b'\\xff'"):
        DATASETS.build(cfg)


def test_bom_directory_and_undecodable_messages(videos, tmp_path):
    ann = tmp_path / 'bom.txt'
    ann.write_bytes('good.mp4 0\n'.encode('utf-8-sig'))
    dataset = DATASETS.build(
        dict(type='CheckedVideoDataset', ann_file=str(ann),
             data_prefix=dict(video=str(videos)), pipeline=PIPELINE))
    assert dataset.get_data_info(0)['filename'] == osp.join(
        str(videos), 'good.mp4')  # no invisible U+FEFF in the path
    (videos / 'folder.mp4').mkdir()
    with pytest.raises(FileNotFoundError,
                       match=r'folder.mp4 \(a directory, not a video file'):
        build(tmp_path, ['folder.mp4 0'], videos)
    dataset = build(tmp_path, ['text.mp4 1'], videos)
    with pytest.raises(UnreadableVideoError) as error:
        dataset[0]
    text = str(error.value)  # not blamed on truncation alone
    assert 'frame size' in text and 'ffmpeg' in text and 'truncated' in text


def test_multi_class_lists_are_refused(videos, tmp_path):
    with pytest.raises(ValueError, match='CheckedVideoDataset reads '
                       'single-label lists; use VideoDataset for '
                       'multi_class=True'):
        build(tmp_path, ['good.mp4 0'], videos, multi_class=True)
