"""Grad-CAM of a baseline and an HCML model on one clip (paper appendix B).

Fig. 5 compares the class activation maps of the last convolutional stage of
the baseline R2D-50 and of HCML. This module reuses MMAction2's
:class:`mmaction.utils.GradCAM` (Grad-CAM, not the paper's Grad-CAM++) and
finds the target layer of either model automatically::

    Recognizer3D(ResNet3d)                -> 'backbone/layer4/<last>/relu'
    HCMLRecognizer(HCMLBackbone(ResNet3d)) -> 'backbone/backbone/layer4/<last>/relu'

i.e. the output of the last residual block (after its final ReLU), or the
last convolution of the last stage for blocks without a ``relu`` child.
"""
import warnings
from typing import List, NamedTuple, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn

__all__ = [
    'default_target_layer', 'GradCAMResult', 'gradcam_clip',
    'compare_gradcam'
]


def _resnet_like(model: nn.Module) -> Tuple[nn.Module, List[str]]:
    """The innermost backbone with residual stages and its path."""
    backbone, path = getattr(model, 'backbone', None), ['backbone']
    if backbone is None:
        raise ValueError(f'{type(model).__name__} has no backbone')
    if hasattr(backbone, 'motion_blocks') and hasattr(backbone, 'backbone'):
        backbone, path = backbone.backbone, path + ['backbone']
    return backbone, path


def default_target_layer(model: nn.Module) -> str:
    """The Grad-CAM target of ``model``: its last conv stage's output.

    Returns:
        str: A ``'/'``-separated module path for ``GradCAM``, e.g.
        ``'backbone/layer4/1/relu'``.
    """
    backbone, path = _resnet_like(model)
    stages = getattr(backbone, 'res_layers', None)
    if stages:
        stage = getattr(backbone, stages[-1])
        names = list(stage._modules)
        if names and 'relu' in getattr(stage, names[-1])._modules:
            return '/'.join(path + [stages[-1], names[-1], 'relu'])
    convs = [name for name, module in backbone.named_modules()
             if isinstance(module, (nn.Conv2d, nn.Conv3d))]
    if not convs:
        raise ValueError(f'{type(backbone).__name__} has no convolution to '
                         'take as the Grad-CAM target; pass target_layer')
    return '/'.join(path + convs[-1].split('.'))


def _check_target_layer(model: nn.Module, name: str) -> None:
    module = model
    for part in name.split('/'):
        children = module._modules
        if part not in children:
            raise ValueError(
                f'target layer {name!r}: {type(module).__name__} has no '
                f'submodule {part!r} (it has {list(children)}); the default '
                f'for this model is {default_target_layer(model)!r}')
        module = children[part]


class GradCAMResult(NamedTuple):
    """``blended``: ``(T, H, W, 3)`` uint8 heat map over the frames;
    ``pred_label``: the explained (top-1) class; ``scores``: ``(K, )``."""
    blended: np.ndarray
    pred_label: int
    scores: np.ndarray


def gradcam_clip(model: nn.Module,
                 frames: np.ndarray,
                 target_layer: Optional[str] = None,
                 *,
                 alpha: float = 0.5) -> GradCAMResult:
    """Grad-CAM of the top-1 class of ``model`` on one clip.

    Args:
        model (nn.Module): A ``Recognizer3D`` (or subclass) with a
            ``cls_head``; it is put in eval mode and its head's
            ``average_clips`` is set to ``'score'`` (as ``GradCAM`` does).
        frames (np.ndarray): ``(T, H, W, 3)`` uint8 RGB.
        target_layer (str, optional): ``'/'``-separated module path.
            Defaults to :func:`default_target_layer`.
        alpha (float): Heat-map opacity in ``[0, 1]``. Defaults to ``0.5``.

    Returns:
        GradCAMResult: blended frames, predicted label, class scores.
    """
    from mmaction.structures import ActionDataSample
    from mmaction.utils import GradCAM

    if getattr(model, 'cls_head', None) is None:
        raise ValueError(f'{type(model).__name__} has no cls_head (a '
                         'self-supervised stage?); Grad-CAM needs a classifier')
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f'alpha must be in [0, 1], got {alpha!r}')
    target_layer = target_layer or default_target_layer(model)
    _check_target_layer(model, target_layer)
    clip = torch.from_numpy(np.ascontiguousarray(frames)).permute(3, 0, 1, 2)
    data = dict(inputs=[clip[None]], data_samples=[ActionDataSample()])
    with warnings.catch_warnings():
        # GradCAM hooks with register_backward_hook; its output gradient,
        # the only one used, is exact, so the deprecation notice is noise.
        warnings.filterwarnings('ignore', message='Using a non-full backward')
        cam = GradCAM(model, target_layer)
        blended, preds = cam(data, use_labels=False, alpha=alpha)
    blended = (blended[0].clamp(0, 1) * 255).round().to(torch.uint8).numpy()
    scores = preds[0].detach().cpu().numpy()
    return GradCAMResult(blended, int(scores.argmax()), scores)


def compare_gradcam(baseline: nn.Module,
                    hcml: nn.Module,
                    frames: np.ndarray,
                    out_file: str,
                    *,
                    target_layers: Sequence[Optional[str]] = (None, None),
                    label: Optional[int] = None,
                    class_names: Optional[Sequence[str]] = None,
                    num_columns: int = 8,
                    panel_px: int = 128,
                    alpha: float = 0.5) -> Tuple[int, int]:
    """Write the Fig. 5 comparison: rows baseline / HCML, columns frames.

    Each row is titled with the model's predicted class (and the ground
    truth when ``label`` is given: green when correct, red when wrong).
    ``num_columns`` frames are taken evenly over the clip.

    Args:
        baseline (nn.Module): The baseline recognizer.
        hcml (nn.Module): The HCML recognizer.
        frames (np.ndarray): ``(T, H, W, 3)`` uint8 RGB clip.
        out_file (str): Output PNG.
        target_layers (Sequence[str | None]): Target layer of each model;
            ``None`` picks :func:`default_target_layer`.
            Defaults to ``(None, None)``.
        label (int, optional): Ground-truth class. Defaults to ``None``.
        class_names (Sequence[str], optional): Label names.
        num_columns (int): Frames shown (at most ``T``). Defaults to ``8``.
        panel_px (int): Panel side in pixels. Defaults to ``128``.
        alpha (float): Heat-map opacity. Defaults to ``0.5``.

    Returns:
        tuple[int, int]: The PNG's ``(height, width)``.
    """
    from ._panels import save_panel_figure

    if len(target_layers) != 2:
        raise ValueError('target_layers must give (baseline, hcml) layers, '
                         f'got {target_layers!r}')
    if not isinstance(num_columns, int) or num_columns < 1:
        raise ValueError(f'num_columns must be an int >= 1, got '
                         f'{num_columns!r}')

    def name(index: int) -> str:
        if class_names is not None and 0 <= index < len(class_names):
            return str(class_names[index])
        return str(index)

    columns = np.unique(np.linspace(0, len(frames) - 1,
                                    min(num_columns, len(frames))).round()
                        ).astype(int)
    images, titles, colors, row_titles, row_colors = [], [], [], [], []
    for row_name, model, layer in (('Baseline', baseline, target_layers[0]),
                                   ('HCML', hcml, target_layers[1])):
        result = gradcam_clip(model, frames, layer, alpha=alpha)
        text = f'{row_name}: {name(result.pred_label)}'
        color = 'black'
        if label is not None:
            text += f' (GT: {name(label)})'
            color = 'green' if result.pred_label == label else 'red'
        row_titles.append(text)
        row_colors.append(color)
        images.append([result.blended[t] for t in columns])
        titles.append([f'frame {t}' for t in columns])
        colors.append(['black'] * len(columns))
    return save_panel_figure(out_file, images, titles, colors,
                             panel_px=panel_px, row_titles=row_titles,
                             row_title_colors=row_colors)
