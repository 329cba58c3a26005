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

:func:`deploy_profile` answers where the deploy model's extra inference time
goes: it profiles baseline and deploy inference alternately and reports,
per forward pass, the HCML parts (the ``record_function`` ranges of the
Prime Motion Block's inference path, ``pmb.reduce``, ``pmb.cost_volume``,
``pmb.cost_bn_relu``, ``pmb.fuse``, and of the fusion ``hcml.g_fusion``)
and each operator's self time in both models with the difference.
"""
import copy
import statistics
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.config import Config

from .model_benchmark import build_step, random_batch
from .measure import check_iters, device_name, synchronize, time_call

__all__ = ['BREAKDOWN_VARIANTS', 'DEPLOY_RANGES', 'deploy_profile',
           'format_breakdown', 'format_deploy_profile', 'op_table',
           'step_breakdown', 'variant_cfg']

#: ``record_function`` ranges of the deploy path and what each computes.
DEPLOY_RANGES = {
    'pmb.reduce': '1x1x1 conv C -> C/4, BN folded, ReLU',
    'pmb.cost_volume': 'cost volume of Eq. 1 (norms + kernel)',
    'pmb.cost_bn_relu': 'BN + ReLU of the cost volume, in place',
    'pmb.fuse': '1x1x1 conv (M + C/4) -> C/4, BN folded, ReLU',
    'hcml.g_fusion': 'Z = F + g(P): conv + BN folded, residual sum',
}

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
    ``warmup`` untimed passes (CUDA synchronised around each step).

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
    for repeat in range(warmup + iters):
        print(f'[step_breakdown] pass {repeat + 1}/{warmup + iters}',
              flush=True)
        for name, step in steps.items():
            ms = time_call(step, device)
            if repeat >= warmup:
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


def deploy_profile(baseline: Config,
                   hcml: Config,
                   *,
                   shape: Sequence[int] = (8, 112, 112),
                   batch: int = 2,
                   repeats: int = 3,
                   calls: int = 2,
                   device: str = 'cpu') -> Dict:
    """Where the deploy model's extra inference time goes (module doc).

    Builds the baseline and the deploy HCML model (no side branch) in eval
    mode, then profiles ``calls`` forward passes of each, alternately,
    ``repeats`` times.

    Returns:
        dict: ``setup``, ``total_ms`` (``{model: self time per forward}``
        summed over operators and ranges, the profiler's view of the wall
        clock; a range's self time is the code outside ATen operators in
        it, e.g. the native cost volume kernel),
        ``ranges`` (``{range: ms per forward}`` of :data:`DEPLOY_RANGES`
        in the deploy model, CPU total) and ``ops``
        (``{op: {baseline, deploy, delta}}`` self ms per forward, operators
        above 0.1 ms in either, largest difference first).
    """
    import os
    from mmaction.registry import MODELS
    from torch.profiler import ProfilerActivity, profile

    from ..deploy import deploy_config
    check_iters(repeats, 0)
    check_iters(calls, 0)
    models = dict(
        baseline=MODELS.build(copy.deepcopy(baseline.model)),
        deploy=MODELS.build(copy.deepcopy(deploy_config(hcml).model)))
    inputs = torch.randn(batch, 1, 3, *shape, device=device)
    self_ms: Dict[str, Dict[str, float]] = {name: {} for name in models}
    ranges: Dict[str, float] = {name: 0.0 for name in DEPLOY_RANGES}
    cuda = torch.device(device).type == 'cuda'
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA]
                                           if cuda else [])
    load_before = os.getloadavg()[0]
    with torch.no_grad():
        for model in models.values():
            model.to(device).eval()
            model(inputs, mode='tensor')  # warm-up (and kernel build)
        for _ in range(repeats):
            for name, model in models.items():
                synchronize(device)
                with profile(activities=activities) as prof:
                    for _ in range(calls):
                        model(inputs, mode='tensor')
                    synchronize(device)
                for event in prof.key_averages():
                    per_call = 1e-3 / (repeats * calls)
                    if event.key in ranges and name == 'deploy':
                        ranges[event.key] += event.cpu_time_total * per_call
                    # a range's self time is what runs outside ATen ops
                    # in it: the native cost volume kernel, Python
                    self_ms[name][event.key] = self_ms[name].get(
                        event.key, 0.0) + event.self_cpu_time_total * per_call
    ops = {}
    for key in set(self_ms['baseline']) | set(self_ms['deploy']):
        b, d = self_ms['baseline'].get(key, 0.0), self_ms['deploy'].get(
            key, 0.0)
        if max(b, d) >= 0.1:
            ops[key] = dict(baseline=b, deploy=d, delta=d - b)
    ops = dict(sorted(ops.items(), key=lambda kv: -abs(kv[1]['delta'])))
    return dict(device=torch.device(device).type,
                device_name=device_name(device), torch=torch.__version__,
                setup=dict(shape=list(shape), batch=batch, repeats=repeats,
                           calls=calls, threads=torch.get_num_threads(),
                           load_avg=[load_before, os.getloadavg()[0]]),
                total_ms={name: sum(v.values())
                          for name, v in self_ms.items()},
                ranges=ranges, ops=ops)


def format_deploy_profile(result: Dict, top: int = 15) -> str:
    """The tables of :func:`deploy_profile` as text."""
    setup = result['setup']
    total = result['total_ms']
    base = total['baseline']
    lines = [f'device: {result["device_name"]} ({result["device"]}), torch '
             f'{result["torch"]}, batch {setup["batch"]} x 3 x '
             f'{" x ".join(map(str, setup["shape"]))}, {setup["threads"]} '
             f'threads, load average '
             + ' -> '.join(f'{x:.2f}' for x in setup['load_avg']),
             f'ms per forward (self times): baseline {base:.1f}, '
             f'deploy {total["deploy"]:.1f} '
             f'({total["deploy"] / base:.3f}x)',
             f'{"HCML part (deploy)":22s} {"ms":>8s} {"% of base":>9s}  what']
    for key, what in DEPLOY_RANGES.items():
        ms = result['ranges'].get(key, 0.0)
        lines.append(f'{key:22s} {ms:8.2f} {100 * ms / base:8.1f}%  {what}')
    lines.append(f'{"operator":34s} {"baseline":>9s} {"deploy":>9s} '
                 f'{"+ms":>8s}')
    for key, row in list(result['ops'].items())[:top]:
        lines.append(f'{key[:34]:34s} {row["baseline"]:9.2f} '
                     f'{row["deploy"]:9.2f} {row["delta"]:+8.2f}')
    return '\n'.join(lines)
