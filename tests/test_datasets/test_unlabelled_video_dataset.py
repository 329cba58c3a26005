import os.path as osp

import pytest

from mmaction.registry import DATASETS


def build(**kwargs):
    return DATASETS.build(dict(type='UnlabelledVideoDataset', pipeline=[],
                               **kwargs))


def test_plain_video_list_and_labelled_list(rendered_benchmark, tmp_path):
    root = rendered_benchmark['root']
    plain = build(ann_file=osp.join(root, 'unlabelled.txt'),
                  data_prefix=dict(video=osp.join(root, 'videos')))
    assert len(plain) == rendered_benchmark['counts']['unlabelled']
    item = plain[0]
    assert osp.isfile(item['filename']) and 'label' not in item
    labelled = build(ann_file=osp.join(root, 'train.txt'),
                     data_prefix=dict(video=osp.join(root, 'videos')))
    assert len(labelled) == 14 and 'label' not in labelled[3]


def test_video_pipeline_gives_unlabelled_samples(rendered_benchmark):
    root = rendered_benchmark['root']
    dataset = DATASETS.build(
        dict(type='UnlabelledVideoDataset',
             ann_file=osp.join(root, 'unlabelled.txt'),
             data_prefix=dict(video=osp.join(root, 'videos')),
             pipeline=[dict(type='DecordInit'),
                       dict(type='SampleFrames', clip_len=4, num_clips=1),
                       dict(type='DecordDecode'),
                       dict(type='FormatShape', input_format='NCTHW'),
                       dict(type='PackActionInputs')]))
    out = dataset[0]
    assert tuple(out['inputs'].shape) == (1, 3, 4, 64, 64)
    assert 'gt_label' not in out['data_samples']


def test_rawframe_folders_are_counted_or_read(tmp_path):
    for name, count in (('a', 3), ('b', 5)):
        (tmp_path / name).mkdir()
        for i in range(count):
            (tmp_path / name / f'{i + 1:05}.jpg').write_bytes(b'')
    (tmp_path / 'list.txt').write_text('a\nb 4 12\n')
    dataset = build(ann_file=str(tmp_path / 'list.txt'),
                    data_prefix=dict(img=str(tmp_path)),
                    data_type='rawframes', filename_tmpl='{:05}.jpg',
                    start_index=1)
    assert [dataset[i]['total_frames'] for i in range(2)] == [3, 4]
    assert dataset[0]['start_index'] == 1
    assert dataset[0]['filename_tmpl'] == '{:05}.jpg'


def test_bad_lists_are_reported(tmp_path):
    (tmp_path / 'empty.txt').write_text('\n\n')
    with pytest.raises(ValueError, match='lists no videos'):
        build(ann_file=str(tmp_path / 'empty.txt'))
    with pytest.raises(FileNotFoundError, match='nope.txt'):
        build(ann_file=str(tmp_path / 'nope.txt'))
    (tmp_path / 'dirs.txt').write_text('missing_folder\n')
    with pytest.raises(FileNotFoundError, match='missing_folder'):
        build(ann_file=str(tmp_path / 'dirs.txt'), data_type='rawframes',
              data_prefix=dict(img=str(tmp_path)))
    with pytest.raises(ValueError, match='data_type'):
        build(ann_file=str(tmp_path / 'empty.txt'), data_type='audio')
    with pytest.raises(ValueError, match=r'dict\(img=...\)'):
        build(ann_file=str(tmp_path / 'empty.txt'), data_type='rawframes')
