"""Cost volume (Eq. 1) implementations at the R2D-50 PMB shapes.

Run by ``tools/profiling/benchmark_cost_volume.py`` (``--help`` lists the
options: device, batch, frames, size, iterations, implementations, levels,
threads, ``--no-step``, ``--out``, ``--triton-configs``).

Shapes (B clips, T frames, beta = 4, d = 6, s = 2): res2 (B*T, 64, S/4, S/4),
res3 (B*T/2, 128, S/8, S/8), res4 (B*T/4, 256, S/16, S/16). For each level
and implementation: forward and forward+backward time and peak memory
increase; forward bandwidth (inputs + output bytes / time) against a
device-to-device copy timed in the same run; the share of the baseline R2D-50
training step that the three levels' forward+backward take. ``unfold`` (an
im2col baseline, 49 copies of F_t+1) and ``compile`` (``torch.compile`` of
the reference pad-and-shift) live here only, not in ``mmhcml.models.ops``;
``triton_temporal`` is the PMB's path, the same frame pairs read in place
from one ``(B, C, T, H, W)`` tensor (its bytes: that tensor + the output).
``--triton-configs`` adds Triton variants with other tiling constants of
:mod:`mmhcml.models.ops.cost_volume_triton` (one impl per comma-separated
``NAME=VALUE`` list, timed with the others) to tune the kernels on a GPU.
"""
import argparse
import os.path as osp
import statistics

import torch
import torch.nn.functional as F

from ..models.ops import cost_volume, temporal_cost_volume
from ..models.ops import cost_volume_triton as cvt
from ..models.ops.cost_volume_triton import triton_available
from .measure import PeakMemory, device_name, time_it, write_result

#: The checkout (or installed package) root, holding configs/.
ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
IMPLS = ('reference', 'unfold', 'fast', 'native', 'native_temporal',
         'compile', 'triton', 'triton_temporal')
LEVELS = (('res2', 1, 64, 4), ('res3', 2, 128, 8), ('res4', 4, 256, 16))
D, S = 6, 2


def unfold_cost_volume(feat1, feat2, d=D, s=S, eps=1e-8):
    """im2col baseline: all M shifted copies of F_t+1 at once."""
    n, c, h, w = feat1.shape
    steps = d // s
    m = 2 * steps + 1
    unit1 = F.normalize(feat1, dim=1, eps=eps)
    unit2 = F.normalize(feat2, dim=1, eps=eps)
    cols = F.unfold(unit2, kernel_size=m, dilation=s, padding=steps * s)
    return (unit1.unsqueeze(2) * cols.view(n, c, m * m, h, w)).sum(1)


#: Launch constants of the Triton path that --triton-configs may set (the
#: backward pass of a call runs with the constants of its forward pass).
TRITON_KNOBS = cvt.KNOBS


def parse_triton_config(text):
    """``'BLOCK_ELEMS=512,CHANNEL_UNROLL=8'`` -> ``{name: int}``."""
    knobs = {}
    for item in filter(None, text.split(',')):
        name, sep, value = item.partition('=')
        if not sep or name not in TRITON_KNOBS or not value.isdigit() or \
                int(value) < 0:
            raise ValueError(
                f'--triton-configs entries are NAME=VALUE with NAME in '
                f'{TRITON_KNOBS} and VALUE a non-negative int, got {item!r}')
        knobs[name] = int(value)
    if not knobs:
        raise ValueError('--triton-configs: empty config')
    return knobs


def with_triton_config(knobs, temporal=False):
    """The Triton cost volume (pairs, or the PMB's in-place temporal pairs)
    run with ``knobs`` set; restored after the call, and its backward pass
    uses them too."""
    def run(*args):
        with cvt.knobs_set(knobs):
            if temporal:
                return temporal_cost_volume(args[0], D, S, impl='triton')
            return cost_volume(args[0], args[1], D, S, impl='triton')
    run.temporal = temporal
    return run


def make_impls(names, device, triton_configs=()):
    fns = {}
    for name in names:
        if name == 'unfold':
            fns[name] = unfold_cost_volume
        elif name == 'compile':
            compiled = torch.compile(
                lambda a, b: cost_volume(a, b, D, S, impl='reference'),
                dynamic=False)
            fns[name] = compiled
        elif name in ('native', 'native_temporal'):
            from ..models.ops.cost_volume_native import native_available
            if torch.device(device).type != 'cpu' or not native_available():
                print(f'[cost volume] {name} skipped: needs a CPU and a C '
                      'compiler')
                continue
            if name == 'native':
                fns[name] = lambda a, b: cost_volume(a, b, D, S,
                                                     impl='native')
            else:
                def native_temporal(*args):
                    return temporal_cost_volume(args[0], D, S, impl='native')
                native_temporal.temporal = True
                fns[name] = native_temporal
        elif name in ('triton', 'triton_temporal'):
            if torch.device(device).type != 'cuda' or not triton_available():
                print(f'[cost volume] {name} skipped: needs CUDA and triton')
                continue
            fns[name] = with_triton_config({}, name == 'triton_temporal')
        else:
            fns[name] = (lambda impl: lambda a, b: cost_volume(
                a, b, D, S, impl=impl))(name)
    for text in triton_configs:
        knobs = parse_triton_config(text)
        for name in ('triton', 'triton_temporal'):
            if name not in names:
                continue
            if torch.device(device).type != 'cuda' or \
                    not triton_available():
                print(f'[cost volume] {name}:{text} skipped: needs CUDA '
                      'and triton')
                continue
            fns[f'{name}:{text}'] = with_triton_config(
                knobs, name == 'triton_temporal')
    return fns


def copy_bandwidth(numel, device, iters, warmup):
    src = torch.randn(numel, device=device)
    dst = torch.empty_like(src)
    t = time_it(lambda: dst.copy_(src), device, iters=iters, warmup=warmup)
    return 2 * src.numel() * 4 / (t['median_ms'] * 1e-3)  # read + write


def measure_level(fns, shape, device, iters, warmup, clips=1):
    """Time every implementation at one shape, interleaved call by call so
    that a change of machine load affects them all alike.

    ``shape`` is ``(pairs, C, H, W)``; temporal implementations get one
    ``(clips, C, pairs / clips, H, W)`` tensor instead of two pair stacks
    (the same frame pairs, read in place).
    """
    f1 = torch.randn(shape, device=device, requires_grad=True)
    f2 = torch.randn(shape, device=device, requires_grad=True)
    clip = torch.randn(clips, shape[1], shape[0] // clips, *shape[2:],
                       device=device, requires_grad=True)
    out_bytes = shape[0] * 49 * shape[2] * shape[3] * 4
    results, live, io = {}, {}, {}
    for name, fn in fns.items():
        args = (clip, ) if getattr(fn, 'temporal', False) else (f1, f2)
        io[name] = sum(a.numel() for a in args) * 4 + out_bytes
        try:
            out = fn(*args)
            grad = torch.randn_like(out)
            del out
            steps = dict(
                forward=lambda fn=fn, args=args: fn(*args),
                forward_backward=lambda fn=fn, args=args, grad=grad:
                torch.autograd.grad(fn(*args), args, grad))
            for step in steps.values():  # warm-up, compilation included
                for _ in range(max(1, warmup)):
                    step()
            live[name] = steps
        except Exception as err:  # record, go on with the others
            results[name] = dict(error=repr(err))
    for key in ('forward', 'forward_backward'):
        times = {name: [] for name in live}
        for _ in range(iters):
            for name, steps in live.items():
                times[name].append(time_it(steps[key], device, iters=1,
                                           warmup=0)['median_ms'])
        for name, steps in live.items():
            with PeakMemory(device) as mem:
                steps[key]()
            res = results.setdefault(name, dict(
                inputs_bytes=io[name] - out_bytes, output_bytes=out_bytes,
                memory_method=mem.method))
            res[key] = dict(median_ms=statistics.median(times[name]),
                            min_ms=min(times[name]),
                            peak_bytes=mem.peak_bytes)
    for name, res in results.items():
        if 'error' in res:
            continue
        res['forward_bandwidth'] = io[name] / (res['forward']['median_ms'] *
                                               1e-3)
        res['forward_peak_over_io'] = res['forward']['peak_bytes'] / io[name]
        # forward+backward also holds the output and the input gradients
        res['forward_backward_peak_over_io'] = (
            res['forward_backward']['peak_bytes'] / (2 * io[name]))
    return results


def baseline_step_ms(batch, frames, size, device, iters, warmup):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from .model_benchmark import random_batch, run_case
    init_default_scope('mmaction')
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs/hcml/_base_/models/r2d50.py'))
    inputs, samples = random_batch((frames, size, size), batch,
                                   cfg.model.cls_head.num_classes, device)
    case = run_case(cfg.model, train=True, freeze=0, inputs=inputs,
                    samples=samples, device=device, amp='none', iters=iters,
                    warmup=warmup)
    return case['median_ms']


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--device', choices=('cpu', 'cuda'), default='cpu')
    parser.add_argument('--batch', type=int, default=8, help='clips B')
    parser.add_argument('--frames', type=int, default=16, help='T')
    parser.add_argument('--size', type=int, default=224, help='input size S')
    parser.add_argument('--iters', type=int, default=10)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--impls', nargs='+', choices=IMPLS, default=IMPLS)
    parser.add_argument('--levels', nargs='+', default=[lv[0] for lv in LEVELS],
                        choices=[lv[0] for lv in LEVELS])
    parser.add_argument('--threads', type=int,
                        help='torch.set_num_threads (CPU); default: torch')
    parser.add_argument('--no-step', action='store_true',
                        help='skip timing the baseline R2D-50 training step')
    parser.add_argument('--out', help='write the results as JSON here')
    parser.add_argument('--triton-configs', nargs='+', default=[],
                        metavar='NAME=V[,NAME=V]',
                        help='extra Triton variants with these tiling '
                        f'constants ({", ".join(TRITON_KNOBS)})')
    args = parser.parse_args(argv)
    try:
        for text in args.triton_configs:
            parse_triton_config(text)
    except ValueError as err:
        parser.error(str(err))
    return args


def main(argv=None):
    args = parse_args(argv)
    dev = args.device
    if args.threads:
        torch.set_num_threads(args.threads)
    impls = make_impls(args.impls, dev, args.triton_configs)
    result = dict(device=torch.device(dev).type, device_name=device_name(dev),
                  torch=torch.__version__, setup=vars(args), levels={})
    print(f'device: {result["device_name"]}, torch {torch.__version__}, '
          f'B={args.batch} T={args.frames} S={args.size}, d={D} s={S}')
    header = (f'{"level":5s} {"impl":9s} {"fwd ms":>9s} {"f+b ms":>9s} '
              f'{"fwd MiB":>8s} {"f+b MiB":>8s} {"fwd BW":>8s}')
    rows = [header]
    for level, t_div, channels, stride in LEVELS:
        if level not in args.levels:
            continue
        shape = (args.batch * max(1, args.frames // t_div), channels,
                 args.size // stride, args.size // stride)
        entry = dict(shape=list(shape), impls={})
        print(f'[cost volume] {level} {shape}: {", ".join(impls)} ...',
              flush=True)
        entry['impls'] = measure_level(impls, shape, dev, args.iters,
                                       args.warmup, clips=args.batch)
        for name, r in entry['impls'].items():
            if 'error' in r:
                rows.append(f'{level:5s} {name:9s} error: {r["error"]:.60}')
                continue
            rows.append(
                f'{level:5s} {name:9s} {r["forward"]["median_ms"]:9.2f} '
                f'{r["forward_backward"]["median_ms"]:9.2f} '
                f'{r["forward"]["peak_bytes"] / 2**20:8.1f} '
                f'{r["forward_backward"]["peak_bytes"] / 2**20:8.1f} '
                f'{r["forward_bandwidth"] / 1e9:6.1f}GB/s')
        numel = shape[0] * channels * shape[2] * shape[3]
        entry['copy_bandwidth'] = copy_bandwidth(2 * numel, dev, args.iters,
                                                 args.warmup)
        rows.append(f'{level:5s} copy bandwidth '
                    f'{entry["copy_bandwidth"] / 1e9:.1f} GB/s')
        result['levels'][level] = entry
    if not args.no_step:
        print('[cost volume] baseline R2D-50 training step ...', flush=True)
        result['baseline_step_ms'] = baseline_step_ms(
            args.batch, args.frames, args.size, dev, max(1, args.iters // 2),
            min(1, args.warmup))
    result['summary'] = summarise(result)
    print('\n'.join(rows))
    for line in result['summary']['lines']:
        print(line)
    write_result(result, args.out)
    return result


def summarise(result):
    """Speed-ups over unfold/reference, memory, bandwidth, step share."""
    lines, out = [], dict(speedups={}, targets={})
    levels = result['levels']
    on_cuda = result['device'] == 'cuda'
    for name in ('fast', 'native', 'triton', 'compile'):
        for base in ('unfold', 'reference'):
            for key in ('forward', 'forward_backward'):
                ratios = []
                for level, entry in levels.items():
                    a, b = entry['impls'].get(name), entry['impls'].get(base)
                    if a and b and 'error' not in a and 'error' not in b:
                        ratios.append(b[key]['median_ms'] /
                                      a[key]['median_ms'])
                if len(ratios) == len(levels):
                    out['speedups'][f'{name}_vs_{base}_{key}'] = ratios
                    lines.append(f'{name} vs {base} {key}: ' + ', '.join(
                        f'{r:.1f}x' for r in ratios) + f' ({", ".join(levels)})')
    for name in ('fast', 'native', 'triton'):
        cases = [e['impls'].get(name) for e in levels.values()]
        if not all(c and 'error' not in c for c in cases):
            continue
        speed = out['speedups'].get(f'{name}_vs_unfold_forward_backward', [])
        fwd = out['speedups'].get(f'{name}_vs_unfold_forward', [])
        targets = dict(
            speedup_vs_unfold=dict(value=min(speed + fwd, default=None),
                                   limit='>= 3'),
            forward_memory=dict(value=max(c['forward_peak_over_io']
                                          for c in cases),
                                limit='<= 1 x (inputs + output)'),
            forward_backward_memory=dict(
                value=max(c['forward_backward_peak_over_io'] for c in cases),
                limit='<= 2 x (inputs + output)'),
            bandwidth_vs_copy=dict(value=min(
                c['forward_bandwidth'] / e['copy_bandwidth']
                for c, e in zip(cases, levels.values())), limit='>= 0.5'))
        if 'baseline_step_ms' in result:
            share = sum(c['forward_backward']['median_ms']
                        for c in cases) / result['baseline_step_ms']
            targets['share_of_step'] = dict(value=share, limit='<= 0.10')
        checks = dict(speedup_vs_unfold=lambda v: v >= 3,
                      forward_memory=lambda v: v <= 1,
                      forward_backward_memory=lambda v: v <= 2,
                      bandwidth_vs_copy=lambda v: v >= 0.5,
                      share_of_step=lambda v: v <= 0.10)
        for key, t in targets.items():
            t['passed'] = None if t['value'] is None else checks[key](
                t['value'])
            cuda_only = key in ('bandwidth_vs_copy', 'share_of_step')
            note = ' (target set for CUDA)' if cuda_only and not on_cuda \
                else ''
            verdict = 'n/a' if t['passed'] is None else (
                'PASS' if t['passed'] else 'FAIL')
            value = 'n/a' if t['value'] is None else f'{t["value"]:.3f}'
            lines.append(f'{name:7s} {key:24s} {value:>8s} {t["limit"]:26s} '
                         f'{verdict}{note}')
        out['targets'][name] = targets
    # the PMB's path (in-place temporal pairs) and the tuning variants,
    # against the default pair kernels of the same run
    variants = sorted({n for e in levels.values() for n in e['impls']
                       if n.startswith('triton') and n != 'triton'})
    for name in variants:
        for key in ('forward', 'forward_backward'):
            ratios = []
            for entry in levels.values():
                a, b = entry['impls'].get(name), entry['impls'].get('triton')
                if a and b and 'error' not in a and 'error' not in b:
                    ratios.append(b[key]['median_ms'] / a[key]['median_ms'])
            if len(ratios) == len(levels):
                out['speedups'][f'{name}_vs_triton_{key}'] = ratios
                lines.append(f'{name} vs triton {key}: ' + ', '.join(
                    f'{r:.2f}x' for r in ratios) + f' ({", ".join(levels)})')
    out['lines'] = lines
    return out
