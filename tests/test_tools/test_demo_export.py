"""One-video demo, the video test pipeline of the rawframe configs, clip
defaults read from the config, and the TorchScript / ONNX export."""
import os.path as osp

import pytest
import torch
from mmengine import Config

from mmaction.registry import MODELS
from mmhcml.apis import pipeline_clip
from mmhcml.demo import recognize_video, top_k, video_test_pipeline
from mmhcml.deploy.export import build_clip_scores, export_model

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY = osp.join(ROOT, 'configs/hcml/tiny/hcml_tiny_joint_synthetic.py')


def config(name):
    return Config.fromfile(osp.join(ROOT, 'configs/hcml', name))


def test_sthv1_video_test_pipeline():
    pipeline = video_test_pipeline(config('joint_sthv1.py').test_pipeline)
    assert [s['type'] for s in pipeline] == [
        'DecordInit', 'SampleFrames', 'DecordDecode', 'Resize', 'ThreeCrop',
        'FormatShape', 'PackActionInputs']
    # 3 clips x 3 crops of 32 frames at 256, as the rawframe pipeline
    assert pipeline[1] == dict(type='SampleFrames', clip_len=32,
                               frame_interval=1, num_clips=3, test_mode=True)
    assert pipeline[4]['crop_size'] == 256
    video = config('joint_sthv2.py').test_pipeline
    assert video_test_pipeline(video) == [dict(s) for s in video]


def test_clip_defaults_come_from_the_config():
    # Something-V1 test: 32 frames, stride 1, ThreeCrop 256
    assert pipeline_clip(config('joint_sthv1.py')) == dict(
        clip_len=32, frame_interval=1, size=(256, 256),
        source='test_dataloader')
    # a self-supervised stage has only its training pipeline: 224 crops
    assert pipeline_clip(config('stage1_sthv1.py')) == dict(
        clip_len=32, frame_interval=1, size=(224, 224),
        source='train_dataloader')
    # Kinetics-400 R2D-50: T=16 at stride 2 (appendix D.2)
    k400 = pipeline_clip(config('joint_k400.py'))
    assert (k400['clip_len'], k400['frame_interval']) == (16, 2)
    # the synthetic benchmark: 8 frames, ThreeCrop 64
    assert pipeline_clip(Config.fromfile(TINY))['size'] == (64, 64)


def test_top_k_by_hand():
    scores = [0.1, 0.5, 0.2, 0.15, 0.05]
    assert [i for i, _, _ in top_k(scores, 3)] == [1, 2, 3]
    names = top_k(scores, 2, labels=list('abcde'))
    assert names == [(1, 'b', 0.5), (2, 'c', pytest.approx(0.2))]
    with pytest.raises(ValueError, match='4 labels for 5 classes'):
        top_k(scores, 2, labels=list('abcd'))


def tiny_checkpoint(tmp_path):
    model = MODELS.build(Config.fromfile(TINY).model)
    path = tmp_path / 'tiny.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)
    return str(path)


def test_demo_prints_top5_and_writes_the_level1_flow(rendered_benchmark,
                                                     tmp_path):
    root = rendered_benchmark['root']
    with open(osp.join(root, 'val.txt')) as f:
        video = osp.join(root, 'videos', f.readline().split()[0])
    result = recognize_video(TINY, tiny_checkpoint(tmp_path), video,
                             flow_dir=str(tmp_path / 'flow'))
    scores = torch.tensor(result['scores'])
    # the mean of 30 views' softmaxes over 14 classes
    assert scores.shape == (14, ) and abs(float(scores.sum()) - 1) < 1e-5
    best = [i for i, _, _ in result['top_k']]
    assert len(best) == 5 and best == scores.argsort(descending=True)[
        :5].tolist()
    assert osp.isfile(result['flow']['pngs'][1])
    assert osp.isfile(result['flow']['video'])


def test_exported_scores_are_the_recognizers_predictions(tmp_path):
    checkpoint = tiny_checkpoint(tmp_path)
    scores_module, _ = build_clip_scores(TINY, checkpoint)
    recognizer = MODELS.build(Config.fromfile(TINY).model)
    recognizer.load_state_dict(torch.load(checkpoint)['state_dict'])
    recognizer.eval()
    clips = torch.randn(2, 3, 8, 64, 64)
    from mmaction.structures import ActionDataSample
    with torch.no_grad():
        predicted = recognizer(clips[:, None], [ActionDataSample()
                                                for _ in range(2)],
                               mode='predict')
        ours = scores_module(clips).softmax(-1)
    expected = torch.stack([p.pred_score for p in predicted])
    assert torch.allclose(ours, expected, atol=1e-6)


def test_torchscript_export_matches_eager(tmp_path):
    result = export_model(TINY, tiny_checkpoint(tmp_path), str(tmp_path),
                          formats=['torchscript'], batch=2)
    assert result['input_shape'] == [2, 3, 8, 64, 64]
    assert result['num_classes'] == 14
    assert result['torchscript']['max_abs_error'] <= 1e-4
    loaded = torch.jit.load(result['torchscript']['path'])
    assert tuple(loaded(torch.zeros(1, 3, 8, 64, 64)).shape) == (1, 14)


def test_onnx_export_matches_eager(tmp_path):
    pytest.importorskip('onnx')
    pytest.importorskip('onnxruntime')
    result = export_model(TINY, tiny_checkpoint(tmp_path), str(tmp_path),
                          formats=['onnx'], batch=1)
    assert result['onnx']['max_abs_error'] <= 1e-4


def test_onnx_without_the_extra_names_the_fix(tmp_path, monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_onnx(name, *args, **kwargs):
        if name.split('.')[0] in ('onnx', 'onnxruntime'):
            raise ImportError(f'No module named {name!r}')
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, '__import__', no_onnx)
    with pytest.raises(ImportError, match=r'mmhcml\[onnx\]|\.\[onnx\]'):
        export_model(TINY, None, str(tmp_path), formats=['onnx'])
