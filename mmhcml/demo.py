"""Recognise the action in one video file with a trained HCML model.

MMAction2's ``init_recognizer`` / ``inference_recognizer`` run the config's
``test_pipeline`` (all its views) on the video. The Something-V1 configs
test rawframes, whose pipeline cannot read a video file (``KeyError:
'total_frames'``); :func:`video_config` gives the config with the same
pipeline reading a video::

    from mmaction.apis import inference_recognizer, init_recognizer
    from mmhcml.demo import video_config

    cfg = video_config('configs/hcml/joint_sthv1.py')
    model = init_recognizer(cfg, 'work_dirs/joint_sthv1/epoch_150.pth',
                            device='cpu')
    result = inference_recognizer(model, 'clip.mp4')
    print(result.pred_score.argmax().item())   # the class index

Optionally the level-1 flow of the flow reconstruction head (section 3.2,
Fig. 3) is written next to the video (:func:`recognize_video`).
"""
import copy
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

from mmengine.config import Config

__all__ = ['video_test_pipeline', 'video_config', 'recognize_video', 'top_k']

#: Steps that read frames from a rawframe folder.
_RAWFRAME_STEPS = ('RawFrameDecode', 'ImageDecode')
_VIDEO_DECODE = ('DecordInit', 'DecordDecode', 'PyAVInit', 'PyAVDecode',
                 'OpenCVInit', 'OpenCVDecode')


def video_test_pipeline(pipeline: Sequence[dict]) -> List[dict]:
    """The same test pipeline, reading a video file instead of rawframes.

    ``RawFrameDecode`` becomes ``DecordInit`` (before the frame sampler)
    plus ``DecordDecode`` (where the decoding was); sampling, resizing,
    cropping and packing are kept. A pipeline that already decodes videos
    is returned unchanged. For Something-V1::

        [DecordInit, SampleFrames(clip_len=32, num_clips=3, test_mode=True),
         DecordDecode, Resize(-1, 256), ThreeCrop(256), FormatShape('NCTHW'),
         PackActionInputs]

    Args:
        pipeline (Sequence[dict]): A test pipeline config.

    Returns:
        list[dict]: The video pipeline (a copy).
    """
    steps = [copy.deepcopy(dict(s)) for s in pipeline]
    kinds = [s.get('type') for s in steps]
    if any(k in _VIDEO_DECODE for k in kinds):
        return steps
    if not any(k in _RAWFRAME_STEPS for k in kinds):
        raise ValueError(
            'the test pipeline decodes neither rawframes nor videos '
            f'({kinds}); give a video test pipeline explicitly')
    out = [dict(type='DecordInit')]
    for step in steps:
        if step.get('type') in _RAWFRAME_STEPS:
            out.append(dict(type='DecordDecode'))
        else:
            out.append(step)
    return out


def video_config(config: Union[str, Config],
                 cfg_options: Optional[dict] = None) -> Config:
    """A joint or fine-tuning config whose ``test_pipeline`` reads a video
    file, for MMAction2's ``init_recognizer`` / ``inference_recognizer``.

    Args:
        config (str | Config): The training config (or its deploy config).
        cfg_options (dict, optional): Overrides as in ``--cfg-options``,
            named settings included (e.g. ``dict(num_classes=4,
            clip_len=8, input_size=64)`` for a small run's checkpoint;
            :mod:`mmhcml.cli.knobs`).

    Returns:
        Config: A copy; its ``test_pipeline`` is :func:`video_test_pipeline`
        of the config's.

    Raises:
        ValueError: The config has no classifier (a self-supervised stage)
            or no ``test_pipeline``.
    """
    from mmhcml.cli.knobs import read_config
    if isinstance(config, str) and not osp.isfile(config):
        raise FileNotFoundError(f'config {config!r} does not exist')
    cfg = read_config(config, cfg_options)
    if cfg.model.get('cls_head') is None:
        raise ValueError('this config has no cls_head (a self-supervised '
                         'stage): it cannot classify; use a joint or '
                         'fine-tuning config')
    if cfg.get('test_pipeline') is None:
        raise ValueError('the config defines no test_pipeline')
    cfg.test_pipeline = video_test_pipeline(cfg.test_pipeline)
    return cfg


def top_k(scores, k: int = 5,
          labels: Optional[Sequence[str]] = None) -> List[tuple]:
    """``[(class index, label, score), ...]`` of the ``k`` best classes."""
    import torch
    scores = torch.as_tensor(scores).flatten().float()
    if k < 1:
        raise ValueError(f'k must be >= 1, got {k!r}')
    if labels is not None and len(labels) != scores.numel():
        raise ValueError(f'{len(labels)} labels for {scores.numel()} '
                         'classes: the label file does not fit the model')
    values, indices = scores.topk(min(k, scores.numel()))
    return [(int(i), labels[int(i)] if labels is not None else str(int(i)),
             float(v)) for v, i in zip(values, indices)]


def recognize_video(config: Union[str, Config],
                    checkpoint: str,
                    video: str,
                    *,
                    device: str = 'cpu',
                    k: int = 5,
                    labels: Optional[Sequence[str]] = None,
                    flow_dir: Optional[str] = None,
                    cfg_options: Optional[dict] = None) -> Dict:
    """Top-``k`` classes of one video; optionally its level-1 flow.

    Args:
        config (str | Config): A joint or fine-tuning config (with a
            ``cls_head``), or its deploy config.
        checkpoint (str): The trained checkpoint.
        video (str): A video file (decord).
        device (str): ``'cpu'`` or ``'cuda:0'``.
        k (int): How many classes to return.
        labels (Sequence[str], optional): Class names, in class order.
        flow_dir (str, optional): Write ``flow_l1.png`` and ``flow.mp4`` of
            the middle clip here (the model needs its level-1
            ``FlowReconstructionHead``, i.e. not a stripped checkpoint).
        cfg_options (dict, optional): Overrides of the config, named
            settings included (:func:`video_config`).

    Returns:
        dict: ``top_k`` (list of ``(index, label, score)``), ``scores`` (all
        classes, the mean of the views' softmaxes) and, with ``flow_dir``,
        ``flow`` (the written files).
    """
    from mmaction.apis import inference_recognizer, init_recognizer

    import mmhcml  # noqa: F401  (registers the models)
    if not osp.isfile(video):
        raise FileNotFoundError(f'video {video!r} does not exist')
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint {checkpoint!r} does not exist')
    cfg = video_config(config, cfg_options)
    model = init_recognizer(cfg, checkpoint, device=device)
    sample = inference_recognizer(model, video)
    scores = sample.pred_score.cpu()
    result = dict(top_k=top_k(scores, k, labels), scores=scores.tolist())
    if flow_dir is not None:
        from mmhcml.apis import pipeline_clip
        from mmhcml.analysis.flow_vis import (check_flow_levels,
                                              visualize_video_flow)
        levels = check_flow_levels(model, [1])
        clip = pipeline_clip(cfg)
        result['flow'] = visualize_video_flow(
            model, video, flow_dir, levels=levels, clip_len=clip['clip_len'],
            size=min(clip['size']), frame_interval=clip['frame_interval'])
    return result
