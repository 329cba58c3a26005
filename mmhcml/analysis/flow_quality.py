"""How good is the level-1 flow? Model vs OpenCV Farneback and DIS vs zero.

For each video, on the same consecutive frame pairs, the tool measures the
photometric error of Eq. 2 (Charbonnier ``alpha = 0.45``, ``eps = 1e-3``,
intensities in ``[0, 1]``, averaged over the pixels whose warped position is
inside the frame) of four flows: zero flow, the model's level-1 flow,
OpenCV's Farneback flow and OpenCV's DIS flow (preset medium); the
percentiles of the flow magnitudes; the end-point difference between the
model and Farneback; and the same errors on the *still* pixels alone (those
whose intensity changes by less than ``STILL_LEVEL`` from frame ``t`` to
``t + 1``, where zero flow is right), with the model's mean flow there;
and, with the pixels binned by the magnitude of DIS's flow
(:data:`MOTION_BINS`), how far the model's flow reaches along DIS's and how
much of zero flow's error each flow saves in each bin
(:func:`motion_breakdown`): where a flow falls short of DIS, by speed.
Each flow's error is averaged over its own in-frame pixels, so a flow that
sends pixels out of the frame drops them from its average; the *same-pixel*
cut compares it with zero flow's error on exactly those pixels (the frame
border is quiet in most footage, so leaving it out raises a flow's mean
error: the plain cut is then lower than the same-pixel cut). On
rendered clips of translating textures
(:mod:`mmhcml.datasets.translating_textures`), where the true motion is
known, it measures the model's end-point error.

::

    video -> frames (every ``frame_stride``-th, resized to H x W)
          -> shots (no pair spans a scene cut; see footage_splits)
          -> windows of ``clip_len`` frames overlapping by one frame, so every
             consecutive pair (t, t+1) is one real pair of one window
          -> model level-1 flow of each pair; Farneback and DIS flow
          -> Charbonnier error of I_t vs warp(I_t+1, flow) for each flow
"""
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
from torch import Tensor

from ..datasets.footage_splits import split_into_shots
from ..datasets.translating_textures import render_translating_textures
from ..datasets.video_frames import read_video_frames
from ..models.losses import charbonnier
from ..models.ops import backward_warp
from ..models.utils import eval_mode
from .flow_vis import flow_to_color, predict_level_flows

__all__ = [
    'read_video_frames', 'farneback_flow', 'dis_flow', 'photometric_error',
    'model_pair_flows', 'evaluate_video', 'evaluate_shots', 'synthetic_epe',
    'save_flow_quality_panel', 'format_flow_quality', 'motion_breakdown'
]

PERCENTILES = (50, 90, 99)
#: A pixel is still when every channel changes by less than this (intensities
#: in ``[0, 1]``; 0.01 is 2.55 of 255 levels, above most compression noise).
STILL_LEVEL = 0.01
#: The flows every video is measured with, in table order.
METHODS = ('zero', 'model', 'farneback', 'dis')
#: Edges (px per frame pair) of the bins of :func:`motion_breakdown`.
MOTION_BINS = (0.0, 0.5, 1.0, 2.0, 4.0, float('inf'))


def farneback_flow(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """OpenCV Farneback flow from ``first`` to ``second`` (RGB uint8).

    ``first(y, x) ~ second(y + v, x + u)``, the convention of
    :func:`~mmhcml.models.ops.backward_warp`. Parameters are OpenCV's
    tutorial values (pyramid 0.5 x 3, window 15, 3 iterations, poly 5/1.2).

    Returns:
        np.ndarray: ``(H, W, 2)`` float32 ``(u, v)`` in pixels.
    """
    import cv2

    gray = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in (first, second)]
    return cv2.calcOpticalFlowFarneback(gray[0], gray[1], None, 0.5, 3, 15,
                                        3, 5, 1.2, 0)


def dis_flow(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """OpenCV DIS flow (preset medium) from ``first`` to ``second`` (RGB).

    Same convention as :func:`farneback_flow`.

    Returns:
        np.ndarray: ``(H, W, 2)`` float32 ``(u, v)`` in pixels.
    """
    import cv2

    gray = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in (first, second)]
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    return dis.calc(gray[0], gray[1], None)


def photometric_error(first: Tensor, second: Tensor,
                      flow: Tensor) -> Tuple[Tensor, Tensor]:
    """Charbonnier error of ``first`` vs ``second`` warped back by ``flow``.

    Shape:
        - first, second: ``(B, 3, H, W)`` in ``[0, 1]``; flow ``(B, 2, H, W)``
        - output: per-pair mean over valid pixels ``(B, )`` and the error
          map ``(B, H, W)`` (0 where the warped position is outside)
    """
    warped, mask = backward_warp(second.float(), flow.float())
    error = charbonnier(first.float() - warped).mean(dim=1) * mask[:, 0]
    valid = mask[:, 0].sum(dim=(1, 2)).clamp(min=1.0)
    return error.sum(dim=(1, 2)) / valid, error


def _normalise(model: nn.Module, frames: np.ndarray) -> Tensor:
    clip = torch.from_numpy(frames).float().permute(3, 0, 1, 2)[None]
    preprocessor = model.data_preprocessor
    if getattr(preprocessor, '_enable_normalize', False):
        clip = (clip - preprocessor.mean.cpu()) / preprocessor.std.cpu()
    return clip


@torch.no_grad()
def model_pair_flows(model: nn.Module, frames: np.ndarray,
                     clip_len: int) -> Tensor:
    """Level-1 flow of every consecutive pair of ``frames``.

    Windows of ``clip_len`` frames overlap by one frame, so pair ``(t, t+1)``
    is a real (not replicated) pair of exactly one window; a tail shorter
    than a window is read in a window that ends at the last frame, of which
    only the pairs not yet covered are kept.

    Shape:
        - frames: ``(T, H, W, 3)`` uint8; output ``(T - 1, 2, H, W)``
    """
    total = len(frames)
    if total < clip_len:
        raise ValueError(f'{total} frames are fewer than clip_len={clip_len}')
    starts = list(range(0, total - clip_len + 1, clip_len - 1))
    if starts[-1] + clip_len < total:
        starts.append(total - clip_len)
    device = next(model.parameters()).device
    flows = torch.zeros(total - 1, 2, *frames.shape[1:3])
    covered = 0
    with eval_mode(model):
        for start in starts:
            clip = _normalise(model, frames[start:start + clip_len])
            flow = predict_level_flows(model, clip.to(device), (1, ))[1].flow
            end = start + clip_len - 1
            flows[covered:end] = flow[0, covered - start:].float().cpu()
            covered = end
    return flows


def _percentiles(values: Tensor) -> Dict[str, float]:
    values = values.flatten().double().numpy()
    return {f'p{q}': float(np.percentile(values, q)) for q in PERCENTILES}


def _opencv_flows(method, frames: np.ndarray) -> Tensor:
    return torch.from_numpy(
        np.stack([method(frames[t], frames[t + 1])
                  for t in range(len(frames) - 1)])).permute(0, 3, 1, 2)


def motion_breakdown(flows: Dict[str, Tensor], maps: Dict[str, Tensor],
                     reference: str = 'dis',
                     edges: Sequence[float] = MOTION_BINS) -> List[dict]:
    """Each flow's saving over zero flow, by the speed of ``reference``.

    Pixels are binned by the magnitude of the ``reference`` flow; only
    pixels that the model's and the reference's flows keep in the frame
    count (their error maps are > 0 there, as ``rho(0) > 0``). Per bin:

    - ``share``: fraction of the counted pixels in the bin;
    - ``reference_flow``, ``model_flow``: mean magnitudes (px);
    - ``reach``: the model's flow projected on the reference's direction,
      summed, over the reference's magnitude, summed
      (``sum(m . r / |r|) / sum(|r|)``: 1 when the model follows the
      reference, 0.5 when it goes half as far, 0 when it does not move);
    - ``saved``: per flow (all but zero), the error of zero flow minus its
      error, summed over the bin, over zero flow's error summed over all
      counted pixels (the bins of one flow add up to its pixel-weighted
      cut on the counted pixels).

    Shape:
        - flows: name -> ``(N, 2, H, W)``, with ``'zero'``, ``'model'`` and
          ``reference``; maps: name -> ``(N, H, W)`` error maps, 0 where the
          warped position is outside the frame
    """
    if reference not in flows or 'model' not in flows:
        raise KeyError(f'motion_breakdown needs the flows "model" and '
                       f'"{reference}", got {sorted(flows)}')
    ref = flows[reference].float()
    magnitude = ref.norm(dim=1)
    model = flows['model'].float()
    model_magnitude = model.norm(dim=1)
    counted = ((maps['model'] > 0) & (maps[reference] > 0)).float()
    num_counted = counted.sum().clamp(min=1.0)
    zero_total = (maps['zero'] * counted).sum().clamp(min=1e-12)
    along = (model * ref).sum(dim=1) / magnitude.clamp(min=1e-6)
    rows = []
    for low, high in zip(edges[:-1], edges[1:]):
        weight = ((magnitude >= low) & (magnitude < high)).float() * counted
        count = weight.sum().clamp(min=1.0)
        rows.append({
            # JSON has no infinity: an open last bin ends at None
            'bin': [float(low), float(high) if high < float('inf') else None],
            'share': float(weight.sum() / num_counted),
            'reference_flow': float((magnitude * weight).sum() / count),
            'model_flow': float((model_magnitude * weight).sum() / count),
            'reach': float((along * weight).sum() /
                           (magnitude * weight).sum().clamp(min=1e-12)),
            'saved': {
                name: float(((maps['zero'] - maps[name]) * weight).sum() /
                            zero_total)
                for name in maps if name != 'zero'
            }
        })
    return rows


def evaluate_shots(model: nn.Module, shots: Sequence[np.ndarray],
                   clip_len: int) -> dict:
    """Zero, model, Farneback and DIS flow on the pairs of each shot.

    Pairs are taken within shots only; shots of fewer than ``clip_len``
    frames are left out (counted in ``skipped_pairs``). Every pair weighs
    the same in the means.

    Returns:
        dict: ``pairs``, ``skipped_pairs``, ``shots``; ``photometric`` (mean
        error of each of :data:`METHODS`); ``cut`` (relative reduction of
        the zero-flow error, per method but zero); ``magnitude`` percentiles;
        ``cut_same_pixels`` (the same, with zero flow's error taken over
        each method's own in-frame pixels, pair by pair);
        ``epd_model_vs_farneback`` (mean end-point difference); ``still``
        (``fraction`` of still pixels, the errors on them and the model's
        mean flow magnitude there, ``model_flow``); ``by_motion``
        (:func:`motion_breakdown` against DIS); and the arrays of the
        middle pair of the longest shot under ``'_panel'``.
    """
    used = [shot for shot in shots if len(shot) >= clip_len]
    skipped = sum(max(len(shot) - 1, 0) for shot in shots
                  if len(shot) < clip_len)
    if not used:
        raise ValueError(
            f'no shot has clip_len={clip_len} frames (shot lengths '
            f'{[len(shot) for shot in shots]})')
    flows = {name: [] for name in METHODS}
    firsts, seconds = [], []
    for shot in used:
        model_flow = model_pair_flows(model, shot, clip_len)
        flows['zero'].append(torch.zeros_like(model_flow))
        flows['model'].append(model_flow)
        flows['farneback'].append(_opencv_flows(farneback_flow, shot))
        flows['dis'].append(_opencv_flows(dis_flow, shot))
        images = torch.from_numpy(shot).float().permute(0, 3, 1, 2) / 255.0
        firsts.append(images[:-1])
        seconds.append(images[1:])
    flows = {name: torch.cat(parts) for name, parts in flows.items()}
    first, second = torch.cat(firsts), torch.cat(seconds)
    still = ((first - second).abs().amax(dim=1) < STILL_LEVEL).float()
    errors, still_errors, maps, zero_same = {}, {}, {}, {}
    for name in METHODS:
        per_pair, maps[name] = photometric_error(first, second, flows[name])
        errors[name] = float(per_pair.mean())
        # the error map is 0 outside the frame (and > 0 inside: rho(0) > 0)
        in_frame = (maps[name] > 0).float()
        inside = still * in_frame
        still_errors[name] = float(
            (maps[name] * inside).sum() / inside.sum().clamp(min=1.0))
        zero_same[name] = float(
            ((maps['zero'] * in_frame).sum(dim=(1, 2)) /
             in_frame.sum(dim=(1, 2)).clamp(min=1.0)).mean())
    zero = max(errors['zero'], 1e-12)
    longest = max(range(len(used)), key=lambda i: len(used[i]))
    offset = sum(len(shot) - 1 for shot in used[:longest])
    middle = offset + (len(used[longest]) - 1) // 2
    frames = used[longest]
    local = middle - offset
    return {
        'pairs': len(first),
        'skipped_pairs': skipped,
        'shots': len(used),
        'photometric': errors,
        'cut': {name: 1.0 - errors[name] / zero
                for name in METHODS if name != 'zero'},
        'cut_same_pixels': {
            name: 1.0 - errors[name] / max(zero_same[name], 1e-12)
            for name in METHODS if name != 'zero'},
        'magnitude': {name: _percentiles(flows[name].norm(dim=1))
                      for name in METHODS if name != 'zero'},
        'epd_model_vs_farneback':
        float((flows['model'] - flows['farneback']).norm(dim=1).mean()),
        'by_motion': motion_breakdown(flows, maps),
        'still': {
            'fraction': float(still.mean()),
            'photometric': still_errors,
            'model_flow': float((flows['model'].norm(dim=1) * still).sum() /
                                still.sum().clamp(min=1.0))
        },
        '_panel': {
            'frames': (frames[local], frames[local + 1]),
            'model': flows['model'][middle].numpy(),
            'farneback': flows['farneback'][middle].numpy(),
            'error': {k: v[middle].numpy()
                      for k, v in maps.items() if k != 'dis'}
        }
    }


def evaluate_video(model: nn.Module, frames: np.ndarray, clip_len: int,
                   start_fraction: float = 0.0,
                   end_fraction: float = 1.0,
                   frame_stride: int = 1,
                   cuts: Sequence[int] = (),
                   drop: Sequence[Tuple[int, int]] = ()) -> dict:
    """:func:`evaluate_shots` on the frames from ``start_fraction``.

    Frames before ``int(start_fraction * T)`` are skipped (e.g. ``0.7`` for
    the held-out last 30% of a video trained on its first 70%), and so are
    frames from ``int(end_fraction * T)`` on; the rest is cut into shots at
    ``cuts`` (full-rate frame indices; ``frame_stride`` is the stride the
    frames were read at) without the ``drop`` ranges
    (:func:`~mmhcml.datasets.footage_splits.split_into_shots`).
    """
    shots = split_into_shots(frames, frame_stride, cuts, drop,
                             start_fraction, end_fraction)
    if sum(len(shot) for shot in shots) < clip_len:
        raise ValueError(
            f'{sum(len(shot) for shot in shots)} frames from '
            f'start_fraction={start_fraction} to end_fraction={end_fraction}'
            f' are fewer than the clip length {clip_len}')
    return evaluate_shots(model, shots, clip_len)


@torch.no_grad()
def synthetic_epe(model: nn.Module, clip_len: int, size: int,
                  num_clips: int = 16, max_shift: int = 4,
                  seed: int = 1) -> dict:
    """Model end-point error on rendered translating textures.

    The border of ``size // 8`` pixels is left out (the flow of pixels that
    move out of the frame is not observable).

    Returns:
        dict: ``epe`` of the model, ``epe_zero`` of zero flow, ``clips``.
    """
    data = render_translating_textures(num_clips, clip_len, size, max_shift,
                                       seed=seed)
    border = size // 8
    errors, zero = [], []
    for clip, truth in zip(data.clips, data.flow):
        flow = model_pair_flows(model, clip, clip_len)
        target = torch.from_numpy(truth).view(1, 2, 1, 1)
        inner = (slice(None), slice(None), slice(border, -border),
                 slice(border, -border))
        errors.append(float((flow - target)[inner].norm(dim=1).mean()))
        zero.append(float(np.linalg.norm(truth)))
    return {
        'clips': num_clips,
        'max_shift': max_shift,
        'epe': float(np.mean(errors)),
        'epe_zero': float(np.mean(zero))
    }


def save_flow_quality_panel(out_file: str, panels: Dict[str, dict]) -> None:
    """One row per video: frame t, frame t+1, model flow, Farneback flow and
    the error maps of zero, model and Farneback flow (same colour scale).

    Flow colours share one scale per row (the larger maximum magnitude).
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    titles = ('frame t', 'frame t+1', 'model flow', 'Farneback flow',
              'error: zero flow', 'error: model', 'error: Farneback')
    fig, axes = plt.subplots(
        len(panels), len(titles), figsize=(2.2 * len(titles),
                                           1.9 * len(panels)),
        squeeze=False)
    for row, (name, panel) in zip(axes, panels.items()):
        scale = max(
            float(np.linalg.norm(panel[k], axis=0).max())
            for k in ('model', 'farneback'))
        scale = max(scale, 1e-6)
        top = max(float(m.max()) for m in panel['error'].values())
        images = [
            panel['frames'][0], panel['frames'][1],
            flow_to_color(panel['model'], scale),
            flow_to_color(panel['farneback'], scale)
        ]
        for ax, image in zip(row, images):
            ax.imshow(image)
        for ax, key in zip(row[4:], ('zero', 'model', 'farneback')):
            ax.imshow(panel['error'][key], cmap='magma', vmin=0, vmax=top)
        row[0].set_ylabel(name, fontsize=7)
    for ax, title in zip(axes[0], titles):
        ax.set_title(title, fontsize=8)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    fig.savefig(out_file, dpi=100)
    plt.close(fig)


def format_flow_quality(results: dict) -> List[str]:
    """A plain-text table of :func:`evaluate_shots` results per video.

    ``cut``: reduction of zero flow's error (negative: worse than no flow);
    ``still``: the model's mean flow (px) on still pixels.
    """
    lines = [
        f'{"video":<24}{"pairs":>6}{"zero":>8}{"model":>8}{"FB":>8}'
        f'{"DIS":>8}{"cut model":>10}{"cut FB":>8}{"cut DIS":>8}'
        f'{"p99 model":>10}{"p99 FB":>7}{"still":>6}'
    ]
    for name, row in results['videos'].items():
        err, cut, mag = row['photometric'], row['cut'], row['magnitude']
        lines.append(
            f'{name[:23]:<24}{row["pairs"]:>6}{err["zero"]:>8.4f}'
            f'{err["model"]:>8.4f}{err["farneback"]:>8.4f}{err["dis"]:>8.4f}'
            f'{100 * cut["model"]:>9.1f}%{100 * cut["farneback"]:>7.1f}%'
            f'{100 * cut["dis"]:>7.1f}%'
            f'{mag["model"]["p99"]:>10.2f}{mag["farneback"]["p99"]:>7.2f}'
            f'{row["still"]["model_flow"]:>6.2f}')
    for name, row in results['videos'].items():
        if 'by_motion' in row:
            lines.append(_format_by_motion(name, row['by_motion']))
    if 'mean_cut' in results:
        mean = results['mean_cut']
        lines.append(f'mean cut: model {100 * mean["model"]:.1f}%, Farneback '
                     f'{100 * mean["farneback"]:.1f}%, DIS '
                     f'{100 * mean["dis"]:.1f}%')
    if 'mean_cut_same_pixels' in results:
        same = {name: ' '.join(
            f'{100 * row["cut_same_pixels"][name]:.1f}'
            for row in results['videos'].values())
            for name in ('model', 'farneback', 'dis')}
        mean = results['mean_cut_same_pixels']
        lines.append(
            'cut on the same pixels as zero flow (per video; mean): model '
            f'{same["model"]}; {100 * mean["model"]:.1f}%, Farneback '
            f'{same["farneback"]}; {100 * mean["farneback"]:.1f}%, DIS '
            f'{same["dis"]}; {100 * mean["dis"]:.1f}%')
    if 'synthetic' in results:
        syn = results['synthetic']
        lines.append(f'translating textures: EPE {syn["epe"]:.2f} px '
                     f'(zero flow {syn["epe_zero"]:.2f} px, {syn["clips"]} '
                     'clips)')
    return lines


def _format_by_motion(name: str, rows: List[dict]) -> str:
    bins = '/'.join(f'{row["bin"][0]:g}' for row in rows) + '+'
    share = '/'.join(f'{100 * row["share"]:.0f}' for row in rows)
    reach = '/'.join(f'{row["reach"]:.2f}' for row in rows)
    saved = {key: '/'.join(f'{100 * row["saved"][key]:.1f}' for row in rows)
             for key in ('model', 'dis')}
    return (f'{name[:23]}: by |DIS| {bins} px: pixels {share}%, model reach '
            f'{reach}, saved model {saved["model"]}% DIS {saved["dis"]}%')


def write_json(out_file: str, results: dict) -> None:
    """Write ``results`` without the panel arrays."""
    clean = {
        k: ({n: {a: b for a, b in row.items() if a != '_panel'}
             for n, row in v.items()} if k == 'videos' else v)
        for k, v in results.items()
    }
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    with open(out_file, 'w') as handle:
        json.dump(clean, handle, indent=2)


def run_flow_quality(model: nn.Module,
                     videos: Sequence[str],
                     clip_len: int,
                     size: Tuple[int, int] = (96, 128),
                     frame_stride: int = 2,
                     start_fraction: float = 0.0,
                     synthetic_size: Optional[int] = 64,
                     end_fraction: float = 1.0,
                     cuts: Optional[Dict[str, Sequence[int]]] = None,
                     drop: Optional[Dict[str, Sequence[Tuple[int, int]]]] = None,
                     log=print) -> dict:
    """Evaluate ``model`` on each video and on translating textures.

    ``cuts`` and ``drop`` map a video's file name to its scene cuts and
    left-out ranges (full-rate frames; see
    :func:`~mmhcml.datasets.footage_splits.shot_ranges`).

    Returns:
        dict: ``videos`` (name -> :func:`evaluate_shots` result),
        ``mean_cut`` and ``mean_cut_same_pixels`` (per method, the means
        over videos) and, unless
        ``synthetic_size`` is ``None``, ``synthetic``
        (:func:`synthetic_epe`).
    """
    cuts, drop = cuts or {}, drop or {}
    results = {'size': list(size), 'frame_stride': frame_stride,
               'start_fraction': start_fraction,
               'end_fraction': end_fraction, 'clip_len': clip_len,
               'videos': {}}
    for index, path in enumerate(videos):
        name = osp.basename(path)
        log(f'[{index + 1}/{len(videos)}] {name}')
        frames = read_video_frames(path, size, frame_stride)
        results['videos'][name] = evaluate_video(
            model, frames, clip_len, start_fraction, end_fraction,
            frame_stride, cuts.get(name, ()), drop.get(name, ()))
    if videos:
        results['mean_cut'] = {
            key: float(np.mean([r['cut'][key]
                                for r in results['videos'].values()]))
            for key in METHODS if key != 'zero'
        }
        results['mean_cut_same_pixels'] = {
            key: float(np.mean([r['cut_same_pixels'][key]
                                for r in results['videos'].values()]))
            for key in METHODS if key != 'zero'
        }
    if synthetic_size:
        log('translating textures')
        results['synthetic'] = synthetic_epe(model, clip_len, synthetic_size)
    return results
