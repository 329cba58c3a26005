"""Baseline vs HCML on one backbone and input: speed, memory, FLOPs.

The paper's claims measured (sections 3.2-3.3, Table 2): HCML adds little
inference cost because the side branch is dropped, and its training stages
cost about a baseline step. In one process, on the same device and input:

* inference clips/s of the baseline and of the *deploy* HCML model
  (:func:`mmhcml.deploy.deploy_config`: no side branch);
* iterations/s of the baseline training step, of each self-supervised stage
  (stage 1: flow head at level 1 only, no cls head, the backbone stops after
  level 1; stage ``l`` = 2, 3: contrastive head ``l`` only, everything up to
  level ``l - 1`` frozen: ``requires_grad=False`` and BN in eval mode, as in
  the progressive schedule) and of joint training (Eq. 5: every head plus
  the cls head);
* peak memory of each (see :class:`~mmhcml.profiling.measure.PeakMemory`);
* FLOPs of both inference models (:func:`model_complexity`).

Every model is built first (its peak memory measured on the way, one step
at a time); then the timed steps run in *repeats*, each repeat every
case once (``iters`` calls), the order reversed every other repeat. Each
ratio (e.g. deploy / baseline inference) is computed per repeat from the two
cases' times in that repeat, and reported as the median over the repeats
with its quartiles and range: a change of machine load between repeats
hits both sides of a ratio alike, so one command gives a stable verdict on
a shared machine. The load average before and after is recorded.
"""
import argparse
import copy
import gc
import os
import os.path as osp
import statistics
from typing import Callable, Dict, Optional, Sequence, Tuple

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from ..engine.hooks.progressive_freeze_hook import freeze_up_to
from ..engine.schedule import STAGES, get_stage
from ..models.recognizers.hcml_recognizer import motion_head_key
from .complexity import model_complexity
from .measure import (PeakMemory, SavedActivations, check_iters, device_name,
                      time_call, time_it)

__all__ = [
    'AMP_MODES', 'CASE_SETS', 'RATIO_PAIRS', 'add_comparison_args',
    'benchmark_models', 'build_step', 'check_targets', 'format_report',
    'interleaved_repeats', 'random_batch', 'ratio_summary', 'run_case',
    'set_with_cp', 'stage_model_cfg', 'WITH_CP_CHOICES', 'with_cp_parts'
]

AMP_MODES = ('none', 'bf16', 'fp16')



def stage_model_cfg(cfg: Config, stage: str) -> Optional[dict]:
    """Model config of one training stage of an HCML config.

    The stage's row of :data:`mmhcml.engine.schedule.STAGES` says what it
    trains: the classification head or not, and which motion heads (by
    their ``motion_heads`` key, e.g. ``'con_l2'``).

    Args:
        cfg (Config): The HCML config (joint training).
        stage (str): ``'stage1'``, ``'stage2'``, ``'stage3'`` or ``'joint'``.

    Returns:
        dict | None: The model config; ``None`` when the config has none of
        the heads that stage trains.
    """
    row = get_stage(stage)
    model = copy.deepcopy(cfg.model)
    if row.classifies:
        return model
    heads = [copy.deepcopy(dict(h)) for h in cfg.model.get('motion_heads', [])
             if motion_head_key(h) in row.heads]
    if not heads:
        return None
    model.cls_head = None
    model.motion_heads = heads
    return model


#: What ``--with-cp`` checkpoints: nothing, the flow estimator, or the
#: flow estimator and every level's motion block and fusion.
WITH_CP_CHOICES = ('none', 'flow', 'all')


def set_with_cp(cfg: Config, parts: str) -> Config:
    """A copy of ``cfg`` with ``with_cp`` set for ``parts`` (one of
    :data:`WITH_CP_CHOICES`) and unset elsewhere."""
    if parts not in WITH_CP_CHOICES:
        raise ValueError(f'with_cp must be one of {WITH_CP_CHOICES}, got '
                         f'{parts!r}')
    cfg = copy.deepcopy(cfg)
    cfg.model.backbone.with_cp = parts == 'all'
    for head in cfg.model.get('motion_heads', []):
        if head['type'] == 'FlowReconstructionHead':
            head['with_cp'] = parts != 'none'
    return cfg


def with_cp_parts(model: dict) -> str:
    """What a model config checkpoints: ``'none'``, ``'flow'``,
    ``'backbone'`` or ``'all'``."""
    flow = any(h.get('with_cp', False) for h in model.get('motion_heads', [])
               if h['type'] == 'FlowReconstructionHead')
    if model['backbone'].get('with_cp', False):
        return 'all' if flow else 'backbone'
    return 'flow' if flow else 'none'



def add_comparison_args(parser: argparse.ArgumentParser,
                        models_dir: str) -> None:
    """The arguments every baseline-vs-HCML tool takes: the two configs
    (default: the R2D-50 model bases in ``models_dir``), ``--shape``,
    ``--batch``, ``--device``, ``--amp`` and ``--with-cp``."""
    parser.add_argument('baseline', nargs='?',
                        default=osp.join(models_dir, 'r2d50.py'),
                        help='baseline recognizer config (default: R2D-50)')
    parser.add_argument('hcml', nargs='?',
                        default=osp.join(models_dir, 'hcml_r2d50.py'),
                        help='HCML recognizer config, joint training '
                        '(default: HCML R2D-50)')
    parser.add_argument('--shape', type=int, nargs=3, default=[16, 224, 224],
                        metavar=('T', 'H', 'W'), help='clip shape')
    parser.add_argument('--batch', type=int, default=8, help='clips per step')
    parser.add_argument('--device', choices=('cpu', 'cuda'), default='cpu')
    parser.add_argument('--amp', choices=AMP_MODES, default='none',
                        help='autocast dtype (losses stay float32)')
    parser.add_argument('--with-cp', choices=WITH_CP_CHOICES,
                        help="override the HCML config's with_cp: "
                        'rebuild the flow estimator\'s concatenations in the '
                        'backward pass (flow) and also recompute the motion '
                        'blocks (all); less memory')


def random_batch(shape: Sequence[int], batch: int, num_classes: int,
                 device: str) -> Tuple[torch.Tensor, list]:
    """Random clips ``(batch, 1, 3, T, H, W)`` on ``device`` and ``batch``
    data samples labelled ``0, 1, ..`` modulo ``num_classes``: the input of
    every benchmarked step."""
    from mmaction.structures import ActionDataSample
    inputs = torch.randn(batch, 1, 3, *shape, device=device)
    samples = [ActionDataSample().set_gt_label(i % num_classes)
               for i in range(batch)]
    return inputs, samples


def _autocast(device: str, amp: str):
    if amp == 'none':
        return torch.autocast(torch.device(device).type, enabled=False)
    dtype = torch.bfloat16 if amp == 'bf16' else torch.float16
    return torch.autocast(torch.device(device).type, dtype=dtype)


def build_step(
    model_cfg: dict, *, train: bool, freeze: int, inputs, samples,
    device: str, amp: str
) -> Tuple[torch.nn.Module, Callable[[], None], Optional[Callable]]:
    """Build a model, the function that runs one step of it and, for
    training, the function that runs only its forward pass and loss.

    Args:
        model_cfg (dict): Recognizer config.
        train (bool): A training step (loss, backward, SGD step) instead of
            inference (``tensor`` mode, no grad).
        freeze (int): Freeze the backbone up to this level first (0: none).
        inputs (Tensor): ``(N, 1, 3, T, H, W)`` on ``device``.
        samples (list): Labelled data samples, one per clip.
        device (str): Device of ``inputs``.
        amp (str): One of :data:`AMP_MODES`.

    Returns:
        tuple: the model, ``step()`` and ``forward_loss()`` (``None`` for
        inference), which returns the loss without a backward pass.
    """
    from mmaction.registry import MODELS
    model = MODELS.build(copy.deepcopy(model_cfg)).to(device)
    if amp != 'none' and getattr(model, 'cls_head', None) is not None:
        # MMAction2 1.2.0's head metrics call .numpy() on the scores,
        # which fails for bfloat16: hand the loss float32 scores
        model.cls_head.register_forward_hook(
            lambda module, args, out: out.float())
    if not train:
        model.eval()

        def infer():
            with torch.no_grad(), _autocast(device, amp):
                model(inputs, mode='tensor')

        return model, infer, None
    model.train()
    if freeze:
        freeze_up_to(model, freeze)
    params = [p for p in model.parameters() if p.requires_grad]
    optim = torch.optim.SGD(params, lr=1e-4, momentum=0.9)
    scaler = torch.amp.GradScaler(
        enabled=amp == 'fp16' and torch.device(device).type == 'cuda')

    def forward_loss():
        with _autocast(device, amp):
            losses = model(inputs, samples, mode='loss')
            loss, _ = model.parse_losses(losses)
        return loss

    def step():
        scaler.scale(forward_loss()).backward()
        scaler.step(optim)
        scaler.update()
        optim.zero_grad(set_to_none=True)

    return model, step, forward_loss


def _built_case(model_cfg: dict, *, train: bool, freeze: int, inputs,
                samples, device: str, amp: str,
                run: Callable[[Callable[[], None]], object]
                ) -> Tuple[Callable[[], None], object, Dict]:
    """Build one case (:func:`build_step`) and call ``run(step)`` inside
    :class:`PeakMemory`, from before the model is built.

    Returns:
        tuple: The step, what ``run`` returned, and ``peak_bytes``,
        ``memory_method`` and, for training, ``saved_bytes``
        (:class:`SavedActivations` of one forward pass and loss, without
        the input batch and the model's parameters and buffers).
    """
    gc.collect()
    if torch.device(device).type == 'cuda':
        torch.cuda.empty_cache()
    with PeakMemory(device) as mem:
        model, step, forward_loss = build_step(
            model_cfg, train=train, freeze=freeze, inputs=inputs,
            samples=samples, device=device, amp=amp)
        out = run(step)
    info = dict(peak_bytes=mem.peak_bytes, memory_method=mem.method)
    if forward_loss is not None:
        # activations only: the input batch, weights and buffers are not
        with SavedActivations(exclude=[inputs, *model.parameters(),
                                       *model.buffers()]) as saved:
            forward_loss()  # the graph is dropped with the loss
        info['saved_bytes'] = saved.nbytes
    return step, out, info


def run_case(model_cfg: dict, *, train: bool, freeze: int, inputs, samples,
             device: str, amp: str, iters: int, warmup: int) -> Dict:
    """Time one inference (``tensor`` mode) or training case of a model.

    Arguments as :func:`build_step`, plus ``iters`` timed iterations after
    ``warmup`` untimed ones.

    Returns:
        dict: :func:`time_it` fields, ``clips_per_s`` or ``iters_per_s``,
        and the memory fields of :func:`_built_case` (the peak over
        building and timing).
    """
    _, timing, info = _built_case(
        model_cfg, train=train, freeze=freeze, inputs=inputs,
        samples=samples, device=device, amp=amp,
        run=lambda step: time_it(step, device, iters=iters, warmup=warmup))
    per_s = 1e3 / timing['median_ms']
    result = dict(timing, **info)
    result['iters_per_s' if train else 'clips_per_s'] = (
        per_s if train else per_s * inputs.shape[0])
    return result


def _ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    return None if not a or not b else a / b


def _flops(baseline: Config, deploy: dict, shape: Sequence[int]) -> Dict:
    """FLOPs of the baseline and the deploy HCML model, one clip."""
    from mmaction.registry import MODELS
    flops = {}
    for name, model_cfg in (('baseline', baseline.model), ('hcml', deploy)):
        model = MODELS.build(copy.deepcopy(model_cfg))
        flops[name] = model_complexity(model, (1, 1, 3, *shape))
        del model
    return flops


def _case_plan(baseline: Config, hcml: Config, deploy: dict) -> list:
    """``(name, model config, train, frozen levels)`` of every case, the
    self-supervised stages read from :data:`STAGES`."""
    plan = [('baseline_inference', baseline.model, False, 0),
            ('deploy_inference', deploy, False, 0),
            ('baseline_train', baseline.model, True, 0)]
    for row in STAGES:
        if not row.classifies:
            plan.append((f'{row.name}_train', stage_model_cfg(hcml, row.name),
                         True, row.frozen_levels))
    plan.append(('joint_train', hcml.model, True, 0))
    return plan


#: Which cases :func:`benchmark_models` builds and times.
CASE_SETS = ('all', 'inference', 'train')

#: Timed ratios: ``{ratio: (HCML case, baseline case)}``; the stage steps
#: are added from :data:`STAGES`.
RATIO_PAIRS = {
    'deploy_wall_clock': ('deploy_inference', 'baseline_inference'),
    'joint_step': ('joint_train', 'baseline_train'),
}
for _row in STAGES:
    if not _row.classifies:
        RATIO_PAIRS[f'{_row.name}_step'] = (f'{_row.name}_train',
                                            'baseline_train')


def ratio_summary(values: Sequence[float]) -> Optional[Dict]:
    """``median``, quartiles ``q1``/``q3``, ``min``, ``max`` and ``repeats``
    of per-repeat ratios (``None`` for none)."""
    values = sorted(values)
    if not values:
        return None
    if len(values) > 1:
        q1, _, q3 = statistics.quantiles(values, n=4, method='inclusive')
    else:
        q1 = q3 = values[0]
    return dict(median=statistics.median(values), q1=q1, q3=q3,
                min=values[0], max=values[-1], repeats=len(values))


def interleaved_repeats(steps: Dict[str, Callable[[], None]], device: str,
                       repeats: int, iters: int = 1,
                       settle: int = 0) -> Dict[str, list]:
    """Time every step once per repeat (``iters`` calls, median taken),
    ``repeats`` times, the order reversed every other repeat.

    ``settle`` untimed calls of a step come before its timed ones in every
    repeat, so that it is timed as in a training loop, on the memory its
    own previous call left (on CPU, the allocator's free blocks and the
    pages already mapped) rather than on another case's.

    Returns:
        dict: ``{name: [median ms of each repeat, ...]}`` and, under ``'_calls'``,
        ``{name: [every call's ms]}``.
    """
    check_iters(repeats, 0)
    check_iters(iters, 0)
    if not isinstance(settle, int) or isinstance(settle, bool) or settle < 0:
        raise ValueError(f'settle must be an int >= 0, got {settle!r}')
    names = list(steps)
    timed: Dict[str, list] = {name: [] for name in names}
    calls: Dict[str, list] = {name: [] for name in names}
    for index in range(repeats):
        print(f'[benchmark] repeat {index + 1}/{repeats}', flush=True)
        for name in (names if index % 2 == 0 else names[::-1]):
            for _ in range(settle):
                steps[name]()
            times = [time_call(steps[name], device) for _ in range(iters)]
            calls[name] += times
            timed[name].append(statistics.median(times))
    return dict(timed, _calls=calls)


def _ratios(flops: Dict, cases: Dict, timed: Dict[str, list]) -> Dict:
    """HCML / baseline ratios: FLOPs, memory, saved activations, and for
    each of :data:`RATIO_PAIRS` the median of the per-repeat time ratios
    (``ratio_spread`` holds its quartiles and range)."""

    def case(name, key):
        return (cases.get(name) or {}).get(key)

    ratios = dict(
        flops=_ratio(flops['hcml']['flops'], flops['baseline']['flops']),
        peak_memory=_ratio(case('joint_train', 'peak_bytes'),
                           case('baseline_train', 'peak_bytes')),
        saved_activations=_ratio(case('joint_train', 'saved_bytes'),
                                 case('baseline_train', 'saved_bytes')))
    spread = {}
    for key, (hcml, base) in RATIO_PAIRS.items():
        per_repeat = [a / b for a, b in zip(timed.get(hcml, []),
                                            timed.get(base, [])) if b > 0]
        spread[key] = ratio_summary(per_repeat)
        ratios[key] = spread[key]['median'] if spread[key] else None
    ratios['ratio_spread'] = spread
    return ratios


def check_targets(ratios: Dict, limits: Dict[str, float],
                  notes: Optional[Dict[str, str]] = None) -> Dict:
    """Compare ``ratios`` with upper ``limits`` chosen by the caller.

    Returns:
        dict: per limited ratio, ``value``, ``limit``, ``passed`` (``None``
        when the ratio was not measured) and the ``note`` given for it.
    """
    targets = {
        key: dict(value=ratios[key], limit=limit,
                  passed=None if ratios[key] is None else
                  ratios[key] <= limit)
        for key, limit in limits.items()
    }
    for key, note in (notes or {}).items():
        targets[key]['note'] = note
    return targets


def _measure_case(model_cfg: dict, *, train: bool, freeze: int, inputs,
                  samples, device: str, amp: str,
                  warmup: int) -> Tuple[Callable[[], None], Dict]:
    """Build one case and run ``max(warmup, 1)`` steps inside
    :class:`PeakMemory`; returns the step and the memory fields of
    :func:`_built_case`."""

    def run(step):
        for _ in range(max(warmup, 1)):
            step()

    step, _, info = _built_case(
        model_cfg, train=train, freeze=freeze, inputs=inputs,
        samples=samples, device=device, amp=amp, run=run)
    return step, info


def benchmark_models(baseline: Config,
                     hcml: Config,
                     *,
                     shape: Sequence[int] = (16, 224, 224),
                     batch: int = 8,
                     iters: int = 1,
                     settle: int = 0,
                     warmup: int = 1,
                     repeats: int = 7,
                     device: str = 'cpu',
                     amp: str = 'none',
                     cost_volume_impl: Optional[str] = None,
                     with_cp: Optional[str] = None,
                     cases: str = 'all',
                     threads: Optional[int] = None) -> Dict:
    """Benchmark ``baseline`` against ``hcml`` (see module docstring).

    Args:
        baseline (Config): Config of the baseline recognizer.
        hcml (Config): Config of the HCML recognizer (joint training).
        shape (Sequence[int]): ``(T, H, W)`` of each clip.
            Defaults to ``(16, 224, 224)``.
        batch (int): Clips per step. Defaults to ``8``.
        iters (int): Timed calls per case and repeat (their median is the
            repeat's time). Defaults to ``1``.
        settle (int): Untimed calls per case and repeat before its timed
            ones (see :func:`interleaved_repeats`). Defaults to ``0``.
        warmup (int): Untimed steps per case after it is built (at least
            one runs, inside the peak-memory measurement). Defaults to ``1``.
        repeats (int): Passes of interleaved timing over every case; each
            ratio is the median over them. Defaults to ``7``.
        device (str): ``'cpu'`` or ``'cuda'``. Defaults to ``'cpu'``.
        amp (str): ``'none'``, ``'bf16'`` or ``'fp16'`` autocast.
            Defaults to ``'none'``.
        cost_volume_impl (str, optional): Overrides the PMBs'
            ``cost_volume_impl`` (e.g. ``'auto'``). Defaults to ``None``,
            the config's.
        with_cp (str, optional): Overrides ``with_cp`` of the HCML
            model: ``'none'``, ``'flow'`` (the flow estimator) or ``'all'``
            (also each level's motion block and fusion); less memory: the
            flow estimator rebuilds its concatenations in the backward
            pass, the motion blocks run their forward twice. Defaults to
            ``None``, the config's.
        cases (str): ``'all'``, ``'inference'`` (baseline and deploy
            inference only, for shapes where training steps are too slow)
            or ``'train'``. Defaults to ``'all'``.
        threads (int, optional): ``torch.set_num_threads`` first.
            Defaults to ``None`` (PyTorch's default).

    Returns:
        dict: ``device``, ``device_name``, ``setup`` (with ``threads``,
        ``cpu_count`` and ``load_avg``, the 1-minute load average before
        and after the timing), ``flops``, ``cases`` (per case
        ``median_ms``/``min_ms`` over every timed call, ``repeat_ms``,
        throughput, ``peak_bytes``) and ``ratios`` (medians over the
        repeats; ``ratios['ratio_spread']`` their quartiles and range).
        Acceptance limits are the caller's (:func:`check_targets`;
        ``tools/profiling/benchmark.py`` adds the paper's as ``targets``).
    """
    if amp not in AMP_MODES:
        raise ValueError(f'amp must be one of {AMP_MODES}, got {amp!r}')
    if len(shape) != 3 or batch < 1:
        raise ValueError(f'shape must be (T, H, W) and batch >= 1, got '
                         f'shape={tuple(shape)!r}, batch={batch!r}')
    if cases not in CASE_SETS:
        raise ValueError(f'cases must be one of {CASE_SETS}, got {cases!r}')
    if threads is not None:
        if threads < 1:
            raise ValueError(f'threads must be >= 1, got {threads!r}')
        torch.set_num_threads(threads)
    check_iters(iters, warmup)
    check_iters(repeats, 0)
    if cost_volume_impl is not None:
        hcml = copy.deepcopy(hcml)
        hcml.model.backbone.motion_block.cost_volume_impl = cost_volume_impl
    if with_cp is not None:
        hcml = set_with_cp(hcml, with_cp)
    init_default_scope(hcml.get('default_scope', None) or 'mmaction')
    import mmhcml  # noqa: F401  (registers the models)
    from mmhcml.deploy import deploy_config
    deploy = deploy_config(hcml).model

    flops = _flops(baseline, deploy, shape)
    inputs, samples = random_batch(shape, batch,
                                   hcml.model.cls_head.num_classes, device)
    common = dict(inputs=inputs, samples=samples, device=device, amp=amp)
    plan = [row for row in _case_plan(baseline, hcml, deploy)
            if cases == 'all' or row[2] == (cases == 'train')]
    # priming: the first case must not pay for loading kernels and growing
    # the allocator
    prime_cfg, prime_train = (baseline.model, True) if cases != 'inference' \
        else (deploy, False)
    _measure_case(prime_cfg, train=prime_train, freeze=0, warmup=1,
                  **common)
    results, steps = {}, {}
    for name, model_cfg, train, freeze in plan:
        if model_cfg is None:
            results[name] = None
            continue
        print(f'[benchmark] building {name} ...', flush=True)
        steps[name], results[name] = _measure_case(
            model_cfg, train=train, freeze=freeze, warmup=warmup, **common)
    load_before = os.getloadavg()[0]
    timed = interleaved_repeats(steps, device, repeats, iters, settle)
    load_after = os.getloadavg()[0]
    calls = timed.pop('_calls')
    for name, info in results.items():
        if info is None:
            continue
        train = 'saved_bytes' in info
        median = statistics.median(calls[name])
        per_s = 1e3 / median
        info.update(median_ms=median, min_ms=min(calls[name]),
                    mean_ms=statistics.fmean(calls[name]),
                    repeat_ms=timed[name])
        info['iters_per_s' if train else 'clips_per_s'] = (
            per_s if train else per_s * inputs.shape[0])
    return dict(
        device=torch.device(device).type,
        device_name=device_name(device),
        torch=torch.__version__,
        setup=dict(shape=list(shape), batch=batch, iters=iters,
                   warmup=warmup, repeats=repeats, settle=settle, amp=amp,
                   cases=cases,
                   threads=torch.get_num_threads(),
                   cpu_count=os.cpu_count(),
                   load_avg=[load_before, load_after],
                   baseline_backbone=baseline.model.backbone.get('type'),
                   cost_volume_impl=hcml.model.backbone.motion_block.get(
                       'cost_volume_impl'),
                   with_cp=with_cp_parts(hcml.model)),
        flops=flops, cases=results, ratios=_ratios(flops, results, timed))


def format_report(result: Dict) -> str:
    """The table, ratios and (where the caller added them) ``targets`` of
    :func:`benchmark_models` as text."""
    setup = result['setup']
    t, h, w = setup['shape']
    lines = [f'device: {result["device_name"]} ({result["device"]}), torch '
             f'{result["torch"]}, batch {setup["batch"]} x 3 x {t} x {h} x '
             f'{w}, amp {setup["amp"]}, cost volume '
             f'{setup["cost_volume_impl"]}, with_cp '
             f'{setup.get("with_cp", "none")}',
             f'timing: {setup.get("repeats", 1)} interleaved repeats x '
             f'{setup["iters"]} call(s) per case after '
             f'{setup.get("settle", 0)} untimed, {setup.get("threads")} '
             f'threads on {setup.get("cpu_count")} CPUs, load average '
             + ' -> '.join(f'{x:.2f}' for x in setup.get('load_avg', []))
             + ' (before -> after)',
             f'{"case":20s} {"median ms":>10s} {"per s":>10s} '
             f'{"peak MiB":>10s} {"saved MiB":>10s}']
    for name, case in result['cases'].items():
        if case is None and setup.get('cases', 'all') != 'all':
            continue
        if case is None:
            lines.append(f'{name:20s} {"(no head in config)":>32s}')
            continue
        per_s = case.get('clips_per_s', case.get('iters_per_s'))
        unit = 'clips' if 'clips_per_s' in case else 'it'
        saved = case.get('saved_bytes')
        saved = '' if saved is None else f'{saved / 2**20:10.0f}'
        lines.append(f'{name:20s} {case["median_ms"]:10.1f} '
                     f'{per_s:8.2f} {unit:5s}{case["peak_bytes"] / 2**20:8.0f}'
                     f' {saved:>10s}')
    method = next((c['memory_method'] for c in result['cases'].values() if c),
                  '')
    lines.append(f'peak memory: {method}; saved = activations autograd '
                 'keeps for backward (device independent)')
    fl = result['flops']
    lines.append(f'GFLOPs (1 clip): baseline {fl["baseline"]["flops"] / 1e9:.2f}'
                 f', HCML deploy {fl["hcml"]["flops"] / 1e9:.2f}')
    spreads = result['ratios'].get('ratio_spread', {})
    for key, target in result.get('targets', {}).items():
        value = target['value']
        verdict = 'n/a' if value is None else (
            'PASS' if target['passed'] else 'FAIL')
        note = f' ({target["note"]})' if 'note' in target else ''
        shown = 'n/a' if value is None else f'{value:.3f}x'
        spread = spreads.get(key)
        spread = '' if not spread else (
            f' [median of {spread["repeats"]} repeats, IQR '
            f'{spread["q1"]:.3f}-{spread["q3"]:.3f}, range '
            f'{spread["min"]:.3f}-{spread["max"]:.3f}]')
        lines.append(f'{key:18s} ratio {shown:>8s} <= {target["limit"]:.3f}x '
                     f'{verdict}{note}{spread}')
    for key, spread in spreads.items():
        if key not in result.get('targets', {}) and spread:
            lines.append(f'{key:18s} ratio {spread["median"]:7.3f}x '
                         f'[median of {spread["repeats"]} repeats, IQR '
                         f'{spread["q1"]:.3f}-{spread["q3"]:.3f}]')
    saved = result['ratios'].get('saved_activations')
    if saved:
        lines.append(f'saved activations, joint / baseline training: '
                     f'{saved:.3f}x')
    return '\n'.join(lines)
