"""A tiny Something-V1 in the layout the dataset base reads, made from the
synthetic benchmark's videos: ``rawframes/<id>/{:05}.jpg`` (from 1) and the
lists ``sthv1_{train,val}_list_rawframes.txt`` of ``frame_dir total_frames
label`` (README "Data")."""
import os
import os.path as osp


def make_fake_sthv1(benchmark: dict, root, num_classes: int = 4) -> dict:
    """Write the clips of the first ``num_classes`` classes of a rendered
    benchmark (``tests.conftest.rendered_benchmark``) as Something-V1
    rawframes under ``root``.

    Returns:
        dict: ``root``, ``data_root``, ``ann_file_train``, ``ann_file_val``
        and ``cfg_options`` (the named settings pointing a Something-V1
        config at it).
    """
    import cv2
    import decord

    root = str(root)
    out = dict(root=root, data_root=osp.join(root, 'rawframes'))
    for split in ('train', 'val'):
        lines = []
        with open(osp.join(benchmark['root'], f'{split}.txt')) as f:
            entries = [line.split() for line in f if line.strip()]
        for video, label in entries:
            if int(label) >= num_classes:
                continue
            clip_id = f'{split}_{osp.splitext(osp.basename(video))[0]}'
            folder = osp.join(out['data_root'], clip_id)
            os.makedirs(folder, exist_ok=True)
            frames = decord.VideoReader(
                osp.join(benchmark['root'], 'videos', video))
            for index in range(len(frames)):
                rgb = frames[index].asnumpy()
                cv2.imwrite(osp.join(folder, f'{index + 1:05}.jpg'),
                            rgb[:, :, ::-1])
            lines.append(f'{clip_id} {len(frames)} {label}')
        out[f'ann_file_{split}'] = osp.join(
            root, f'sthv1_{split}_list_rawframes.txt')
        with open(out[f'ann_file_{split}'], 'w') as f:
            f.write('\n'.join(lines) + '\n')
    out['cfg_options'] = [
        f'data_root={out["data_root"]}',
        f'ann_file_train={out["ann_file_train"]}',
        f'ann_file_val={out["ann_file_val"]}', f'num_classes={num_classes}'
    ]
    return out
