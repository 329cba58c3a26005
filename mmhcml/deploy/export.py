"""Export the stripped HCML model to TorchScript and ONNX, checked against
eager mode.

The exported graph is the inference network of section 3.3: the backbone
with its Prime Motion Blocks and the classification head, without the
self-supervised side branch (:func:`mmhcml.deploy.deploy_config`). It maps
clips ``(N, 3, T, H, W)``, normalised as the config's data preprocessor does
(``(x - mean) / std`` per channel), to class scores ``(N, num_classes)``
before softmax; multi-view testing averages the views' softmaxes outside.
"""
import copy
import os
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from torch import Tensor, nn

from ..engine.checkpoint_io import safe_load
from .strip import deploy_config, strip_checkpoint

__all__ = ['ClipScores', 'build_clip_scores', 'export_model', 'FORMATS']

FORMATS = ('torchscript', 'onnx')


class ClipScores(nn.Module):
    """The inference path of an ``HCMLRecognizer``: clips -> class scores.

    Args:
        recognizer (nn.Module): An ``HCMLRecognizer`` (or any MMAction2
            recognizer with ``backbone`` and ``cls_head``).
    """

    def __init__(self, recognizer: nn.Module) -> None:
        super().__init__()
        self.backbone = recognizer.backbone
        self.neck = getattr(recognizer, 'neck', None)
        self.cls_head = recognizer.cls_head

    def forward(self, clips: Tensor) -> Tensor:
        """Class scores ``(N, num_classes)`` of clips ``(N, 3, T, H, W)``."""
        feats = self.backbone(clips)
        if self.neck is not None:
            feats, _ = self.neck(feats)
        return self.cls_head(feats)


def build_clip_scores(config: Union[str, Config],
                      checkpoint: Optional[str] = None,
                      cost_volume_impl: Optional[str] = 'reference'
                      ) -> Tuple[ClipScores, Config]:
    """The stripped model in eval mode, with the checkpoint's weights.

    Args:
        config (str | Config): Training (or deploy) config of a model with a
            ``cls_head``.
        checkpoint (str, optional): Its checkpoint; random weights if
            ``None`` (for checking the export itself).
        cost_volume_impl (str, optional): Cost volume path of every Prime
            Motion Block; ``'reference'`` (Eq. 1 in plain tensor operations)
            exports everywhere. ``None`` keeps the config's.

    Returns:
        tuple: ``(ClipScores module, deploy config)``.
    """
    cfg = config if isinstance(config, Config) else Config.fromfile(config)
    init_default_scope(cfg.get('default_scope', None) or 'mmaction')
    import mmhcml  # noqa: F401  (registers the models)
    from mmaction.registry import MODELS

    dcfg = deploy_config(cfg) if cfg.model.get(
        'type') == 'HCMLRecognizer' else copy.deepcopy(cfg)
    if cost_volume_impl is not None and 'motion_block' in dcfg.model.get(
            'backbone', {}):
        dcfg.model.backbone.motion_block.cost_volume_impl = cost_volume_impl
    model = MODELS.build(copy.deepcopy(dcfg.model))
    if checkpoint is not None:
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(f'checkpoint not found: {checkpoint!r}')
        loaded = safe_load(checkpoint, map_location='cpu')
        if cfg.model.get('type') == 'HCMLRecognizer':
            full = MODELS.build(copy.deepcopy(cfg.model))
            state = strip_checkpoint(loaded, full, checkpoint)['state_dict']
        else:
            state = loaded.get('state_dict', loaded)
        model.load_state_dict(state, strict=True)
    if getattr(model, 'cls_head', None) is None:
        raise ValueError('a model without cls_head (a self-supervised stage '
                         'config) has no class scores to export')
    return ClipScores(model).eval(), dcfg


def _max_error(reference: Tensor, other: Tensor) -> float:
    return float((reference - other).abs().max())


def export_model(config: Union[str, Config],
                 checkpoint: Optional[str],
                 out_dir: str,
                 formats: Sequence[str] = FORMATS,
                 shape: Optional[Sequence[int]] = None,
                 batch: int = 1,
                 atol: float = 1e-4,
                 seed: int = 0) -> Dict:
    """Export to TorchScript and/or ONNX and compare with eager mode.

    Each exported model is run on the same random normalised clips as the
    eager model; the largest absolute difference of the class scores must
    stay within ``atol`` (relative to the largest eager score, when that
    exceeds 1).

    Args:
        config (str | Config): The model's config.
        checkpoint (str, optional): Its checkpoint (random weights if None).
        out_dir (str): Folder for ``<name>.pt`` and ``<name>.onnx``.
        formats (Sequence[str]): Any of ``'torchscript'``, ``'onnx'``.
        shape (Sequence[int], optional): Clip ``(T, H, W)``; defaults to the
            config's test pipeline (``mmhcml.apis.pipeline_clip``).
        batch (int): Clips in the example input.
        atol (float): Tolerance of the comparison with eager mode.
        seed (int): Seed of the example input.

    Returns:
        dict: Per format ``path`` and ``max_abs_error``; ``input_shape``,
        ``num_classes``.

    Raises:
        ValueError: Unknown format, bad shape, or an export whose outputs
            differ from eager mode by more than the tolerance.
        ImportError: ONNX asked for without ``onnx`` / ``onnxruntime``
            (``pip install "mmhcml[onnx]"``).
    """
    _check_export_args(formats, batch)
    model, dcfg = build_clip_scores(config, checkpoint)
    clips = _example_clips(dcfg, shape, batch, seed)
    with torch.no_grad():
        eager = model(clips)
    limit = atol * max(1.0, float(eager.abs().max()))
    os.makedirs(out_dir, exist_ok=True)
    name = 'hcml' if checkpoint is None else osp.splitext(
        osp.basename(checkpoint))[0]
    results: Dict = dict(input_shape=list(clips.shape),
                         num_classes=int(eager.shape[-1]))
    exporters = dict(torchscript=('pt', _export_torchscript),
                     onnx=('onnx', _export_onnx))
    for fmt in FORMATS:
        if fmt in formats:
            suffix, export = exporters[fmt]
            path = osp.join(out_dir, f'{name}.{suffix}')
            results[fmt] = dict(
                path=path,
                max_abs_error=_max_error(eager, export(model, clips, path)))
    _check_errors(results, limit)
    return results


def _check_export_args(formats: Sequence[str], batch: int) -> None:
    """Refuse unknown formats and ``batch < 1``; make sure ONNX export can
    run (``onnx`` and ``onnxruntime`` importable) before any work."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ValueError(f'formats must be among {FORMATS}, got '
                         f'{list(formats)!r}')
    if batch < 1:
        raise ValueError(f'batch must be >= 1, got {batch!r}')
    if 'onnx' in formats:
        try:
            import onnx  # noqa: F401
            import onnxruntime  # noqa: F401
        except ImportError as error:
            raise ImportError(
                f'ONNX export needs onnx and onnxruntime ({error}); install '
                'them with `pip install -e ".[onnx]"`') from error


def _example_clips(dcfg: Config, shape: Optional[Sequence[int]], batch: int,
                   seed: int) -> Tensor:
    """Seeded random normalised clips ``(batch, 3, T, H, W)``; ``(T, H, W)``
    from the deploy config's test pipeline when ``shape`` is ``None``."""
    if shape is None:
        from mmhcml.apis import pipeline_clip
        clip = pipeline_clip(dcfg)
        shape = (clip['clip_len'], *clip['size'])
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(f'shape must be T H W, got {list(shape)!r}')
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(batch, 3, *shape, generator=generator)


def _export_torchscript(model: nn.Module, clips: Tensor, path: str) -> Tensor:
    """Trace ``model`` on ``clips``, save it to ``path``; the scores of the
    saved file, loaded again, on ``clips``."""
    with torch.no_grad():
        traced = torch.jit.trace(model, clips, check_trace=False)
    traced.save(path)
    with torch.no_grad():
        return torch.jit.load(path)(clips)


def _export_onnx(model: nn.Module, clips: Tensor, path: str) -> Tensor:
    """Export ``model`` to ONNX (opset 17, dynamic batch) at ``path``; the
    scores onnxruntime computes from the file on ``clips``."""
    import onnxruntime
    with torch.no_grad():
        torch.onnx.export(
            model, (clips, ), path, input_names=['clips'],
            output_names=['scores'],
            dynamic_axes=dict(clips={0: 'batch'}, scores={0: 'batch'}),
            opset_version=17, dynamo=False)
    session = onnxruntime.InferenceSession(
        path, providers=['CPUExecutionProvider'])
    return torch.from_numpy(session.run(None, dict(clips=clips.numpy()))[0])


def _check_errors(results: Dict, limit: float) -> None:
    """``ValueError`` naming the first format (in :data:`FORMATS` order)
    whose scores differ from eager mode by more than ``limit``."""
    for fmt in FORMATS:
        if fmt in results and results[fmt]['max_abs_error'] > limit:
            raise ValueError(
                f'the {fmt} export differs from eager mode by '
                f'{results[fmt]["max_abs_error"]:.3g} (tolerance {limit:.3g})'
                f'; the file is {results[fmt]["path"]}')
