"""Where the extra cost of an HCML training step goes.

:func:`step_breakdown` times, interleaved call by call so that a change of
load hits every variant alike, the training step of:

* ``baseline``: the baseline recognizer;
* ``motion_blocks``: the HCML model with the classification head only (the
  Prime Motion Blocks and fusions ``g^l`` of section 3.2, no side branch);
* ``flow_head``: plus the flow reconstruction head (Eq. 2-3);
* ``contrastive_heads``: plus the contrastive heads only (Eq. 4);
* ``joint``: every head (Eq. 5),

and reports each one's median and its increment over the variant below it.
:func:`op_table` profiles one variant with :mod:`torch.profiler` and returns
the operators that take the most device (or CPU) time, with their input
shapes, which tells which layer they belong to.
"""
import copy
import statistics
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.config import Config

from .model_benchmark import build_step, random_batch
from .measure import check_iters, device_name, synchronize, time_call

__all__ = ['BREAKDOWN_VARIANTS', 'format_breakdown', 'op_table',
           'step_breakdown', 'variant_cfg']

#: Variants of :func:`step_breakdown`, and what each adds to its parent.
BREAKDOWN_VARIANTS = {
    'baseline': (None, 'the baseline step'),
    'motion_blocks': ('baseline', 'PMBs + g^l (no side branch)'),
    'flow_head': ('motion_blocks', 'flow reconstruction head'),
    'contrastive_heads': ('motion_blocks', 'contrastive heads'),
    'joint': ('motion_blocks', 'all heads (Eq. 5)'),
}

_HEADS = {
    'motion_blocks': (),
    'flow_head': ('FlowReconstructionHead', ),
    'contrastive_heads': ('ContrastiveMotionHead', ),
    'joint': ('FlowReconstructionHead', 'ContrastiveMotionHead'),
}


def variant_cfg(baseline: Config, hcml: Config, name: str) -> dict:
    """Model config of one of :data:`BREAKDOWN_VARIANTS`."""
    if name not in BREAKDOWN_VARIANTS:
        raise ValueError(f'variant must be one of {tuple(BREAKDOWN_VARIANTS)}'
                         f', got {name!r}')
    if name == 'baseline':
        return copy.deepcopy(baseline.model)
    model = copy.deepcopy(hcml.model)
    model.motion_heads = [
        h for h in model.get('motion_heads', []) if h['type'] in _HEADS[name]
    ]
    return model


def step_breakdown(baseline: Config,
                   hcml: Config,
                   *,
                   shape: Sequence[int] = (16, 224, 224),
                   batch: int = 8,
                   iters: int = 10,
                   warmup: int = 2,
                   device: str = 'cpu',
                   amp: str = 'none') -> Dict:
    """Median training-step time of each of :data:`BREAKDOWN_VARIANTS`.

    All variants are built first, then run in turn ``iters`` times after
    ``warmup`` rounds (CUDA synchronised around each step).

    Returns:
        dict: ``device``, ``device_name``, ``setup`` and ``variants``:
        ``{name: {median_ms, min_ms, parent, adds, delta_ms, ratio}}`` with
        ``ratio`` the median over the baseline's.
    """
    check_iters(iters, warmup)
    inputs, samples = random_batch(shape, batch,
                                   hcml.model.cls_head.num_classes, device)
    steps = {}
    for name in BREAKDOWN_VARIANTS:
        print(f'[step_breakdown] building {name}', flush=True)
        _, steps[name], _ = build_step(
            variant_cfg(baseline, hcml, name), train=True, freeze=0,
            inputs=inputs, samples=samples, device=device, amp=amp)
    times: Dict[str, List[float]] = {name: [] for name in steps}
    for round_ in range(warmup + iters):
        print(f'[step_breakdown] round {round_ + 1}/{warmup + iters}',
              flush=True)
        for name, step in steps.items():
            ms = time_call(step, device)
            if round_ >= warmup:
                times[name].append(ms)
    medians = {name: statistics.median(v) for name, v in times.items()}
    variants = {}
    for name, (parent, adds) in BREAKDOWN_VARIANTS.items():
        variants[name] = dict(
            median_ms=medians[name], min_ms=min(times[name]), parent=parent,
            adds=adds,
            delta_ms=None if parent is None else
            medians[name] - medians[parent],
            ratio=medians[name] / medians['baseline'])
    return dict(device=torch.device(device).type,
                device_name=device_name(device), torch=torch.__version__,
                setup=dict(shape=list(shape), batch=batch, iters=iters,
                           warmup=warmup, amp=amp),
                variants=variants)


def format_breakdown(result: Dict) -> str:
    """The table of :func:`step_breakdown` as text."""
    setup = result['setup']
    lines = [f'device: {result["device_name"]} ({result["device"]}), torch '
             f'{result["torch"]}, batch {setup["batch"]} x 3 x '
             f'{" x ".join(map(str, setup["shape"]))}, amp {setup["amp"]}',
             f'{"variant":18s} {"median ms":>10s} {"x base":>7s} '
             f'{"+ms":>8s}  adds']
    for name, v in result['variants'].items():
        delta = '' if v['delta_ms'] is None else f'{v["delta_ms"]:+8.1f}'
        lines.append(f'{name:18s} {v["median_ms"]:10.1f} {v["ratio"]:6.3f}x '
                     f'{delta:>8s}  {v["adds"]}'
                     + (f' (over {v["parent"]})' if v['parent'] else ''))
    return '\n'.join(lines)


def op_table(model_cfg: dict,
             *,
             shape: Sequence[int] = (16, 224, 224),
             batch: int = 8,
             device: str = 'cpu',
             amp: str = 'none',
             steps: int = 2,
             top: int = 25,
             num_classes: int = 400,
             trace: Optional[str] = None) -> str:
    """Operators of ``steps`` training steps, most expensive first.

    Sorted by self CUDA time on CUDA, self CPU time otherwise, grouped by
    input shape. ``trace`` writes a Chrome trace (``chrome://tracing``).
    """
    from torch.profiler import ProfilerActivity, profile
    inputs, samples = random_batch(shape, batch, num_classes, device)
    _, step, _ = build_step(model_cfg, train=True, freeze=0, inputs=inputs,
                            samples=samples, device=device, amp=amp)
    step()  # warm-up: kernel selection, allocator growth
    cuda = torch.device(device).type == 'cuda'
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA]
                                           if cuda else [])
    synchronize(device)
    with profile(activities=activities, record_shapes=True) as prof:
        for _ in range(steps):
            step()
        synchronize(device)
    if trace:
        prof.export_chrome_trace(trace)
    key = 'self_device_time_total' if cuda else 'self_cpu_time_total'
    return prof.key_averages(group_by_input_shape=True).table(
        sort_by=key, row_limit=top, max_name_column_width=40,
        max_shapes_column_width=80)
