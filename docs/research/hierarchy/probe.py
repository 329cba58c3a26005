"""Does level 2 learn to predict the future of level 1? A small, fast probe.

Trains the synthetic benchmark's tiny HCML model in-process on rendered
clips of the four translation pairs: stage 1 (flow head, level 1), then
stage 2 (level 1 frozen, parameters and BN statistics, as
``ProgressiveFreezeHook`` does) with one contrastive head at level 2, and
reports the future-vs-present metrics of
:mod:`mmhcml.models.heads.prediction_metrics` on held-out clips for the
trained head and for an untrained head on the same features.

The arms differ only in the stage-2 switches they name, so stage 1 is
trained once per seed and shared (cached in ``--work-dir``)::

    python docs/research/hierarchy/probe.py --arms paper temporal \\
        --seed 0 --out docs/research/hierarchy/results/probe_seed0.json

Arms: ``paper`` (Eq. 4 as written, hierarchy connected: g^1 at PyTorch's
initialisation), ``cut`` (g^1 zero-initialised, so Z^1 = F^1 during stage
2), ``temporal`` (Eq. 4 + a track-only InfoNCE term, weight 1),
``nocontext`` (predictor conditioned on P^2_t only), ``tau05`` (tau 0.5),
and their combinations joined by ``+`` (e.g. ``temporal+nocontext``).
"""
import argparse
import copy
import json
import os
import os.path as osp
import sys
import time

import numpy as np
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
sys.path.insert(0, ROOT)

ARM_SWITCHES = {
    'paper': {},
    'cut': dict(zero_init_fuse=True),
    'temporal': dict(temporal_weight=1.0),
    'temporal5': dict(temporal_weight=5.0),
    'nocontext': dict(context='none'),
    'tau05': dict(temperature=0.5),
    'lr3': dict(lr=3e-3),
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--arms', nargs='+', default=['paper'])
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--train-clips', type=int, default=128)
    parser.add_argument('--val-clips', type=int, default=32)
    parser.add_argument('--stage1-iters', type=int, default=200)
    parser.add_argument('--stage2-iters', type=int, default=1000,
                        help='iterations of each contrastive stage')
    parser.add_argument('--levels', type=int, nargs='+', default=[2],
                        choices=[2, 3], help='contrastive stages to train '
                        '(3 trains stage 2 first)')
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--work-dir', default='work_dirs/hierarchy_probe')
    parser.add_argument('--stage1-from', help='a stage-1 state dict to start '
                        'stage 2 from (default: train or reuse one in '
                        '--work-dir)')
    parser.add_argument('--out', help='write the results as JSON here')
    return parser.parse_args(argv)


def render(num, seed, frames=12, size=64):
    """``(num, 3, frames, size, size)`` float clips in [0, 255]."""
    from mmhcml.datasets._synthetic_render import render_clip
    from mmhcml.datasets._synthetic_spec import sample_clip_spec
    from mmhcml.datasets.synthetic_motion import CLASS_SETS
    labels = CLASS_SETS['translation']
    rng = np.random.default_rng(seed)
    clips = []
    for i in range(num):
        spec = sample_clip_spec(int(labels[i % len(labels)]), rng,
                                num_frames=frames, axis_bars=True,
                                object_grid=2)
        clips.append(render_clip(spec, frames, size, steps=0))
    x = torch.from_numpy(np.stack(clips)).float()  # (N, T, H, W, 3)
    return x.permute(0, 4, 1, 2, 3).contiguous()


def build_model(switches, with_flow, con_level=None):
    """The synthetic benchmark's tiny HCML (configs/hcml/_base_/
    hcml_synthetic.py with the study's settings), without a classifier."""
    from mmengine.config import Config

    from mmaction.registry import MODELS
    cfg = Config.fromfile(osp.join(ROOT, 'configs/hcml/_base_/'
                                   'hcml_synthetic.py'))
    bench = Config.fromfile(osp.join(ROOT, 'configs/hcml/_base_/datasets/'
                                     'synthetic_benchmark.py'))
    model = copy.deepcopy(cfg.model.to_dict())
    model['cls_head'] = None
    model['backbone']['backbone'].update(bench.bench_resnet)
    model['backbone']['motion_block'].update(bench.bench_motion_block)
    model['backbone']['zero_init_fuse'] = switches.get(
        'zero_init_fuse', bench.bench_zero_init_fuse)
    heads = []
    if with_flow:
        heads.append(dict(type='FlowReconstructionHead', level=1,
                          dense_channels=(32, 32, 24, 16, 8),
                          loss_weight=15.0))
    if con_level:
        # T_3 = 3 time steps at level 3: one prediction step there, as the
        # synthetic configs do
        heads.append(dict(
            type='ContrastiveMotionHead', level=con_level,
            num_steps=2 if con_level == 2 else 1,
            num_locations=8, loss_weight=1.0,
            context=switches.get('context', 'target'),
            loss=dict(type='InfoNCELoss',
                      temperature=switches.get('temperature', 0.1),
                      temporal_weight=switches.get('temporal_weight', 0.0))))
    model['motion_heads'] = heads
    built = MODELS.build(model)
    built.init_weights()
    return built


def batches(clips, batch, iters, seed):
    gen = torch.Generator().manual_seed(seed)
    for _ in range(iters):
        idx = torch.randint(len(clips), (batch, ), generator=gen)
        yield clips[idx]


def train(model, clips, iters, lr, batch, seed, log_every=50):
    params = [p for p in model.parameters() if p.requires_grad]
    optim = torch.optim.AdamW(params, lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        optim, max_lr=lr, total_steps=iters, pct_start=0.1)
    model.train()
    frozen = getattr(model, '_frozen_norms', [])
    for norm in frozen:
        norm.eval()
    start = time.time()
    for it, x in enumerate(batches(clips, batch, iters, seed)):
        data = model.data_preprocessor(
            dict(inputs=list(x.unsqueeze(1)), data_samples=None), True)
        losses = model(data['inputs'], data['data_samples'], mode='loss')
        total = sum(v for k, v in losses.items() if k.startswith('loss'))
        optim.zero_grad()
        total.backward()
        optim.step()
        sched.step()
        if (it + 1) % log_every == 0:
            shown = {k: round(float(v), 3) for k, v in losses.items()}
            print(f'  it {it + 1}/{iters} {time.time() - start:.0f}s {shown}',
                  flush=True)


@torch.no_grad()
def evaluate(model, clips, level=2, batch=8, seed=0):
    """Pooled future metrics of the level's head (and an untrained copy)."""
    from mmhcml.models.heads.prediction_metrics import \
        future_prediction_metrics
    from mmhcml.models.recognizers.hcml_recognizer import motion_head_inputs
    from mmhcml.analysis.contrastive_accuracy import untrained_copy
    head = model.motion_heads[f'con_l{level}']
    fresh = untrained_copy(head, 1000 + seed)
    model.eval()
    torch.manual_seed(seed)
    sums = {}
    for name, h in (('trained', head), ('untrained', fresh)):
        hits = {k: 0.0 for k in ('future_acc', 'copy_rate',
                                 'future_beats_present')}
        rows = 0.0
        total = 0.0
        for i in range(0, len(clips) - batch + 1, batch):
            data = model.data_preprocessor(
                dict(inputs=list(clips[i:i + batch].unsqueeze(1)),
                     data_samples=None), False)
            x = data['inputs'].flatten(0, 1)
            _, motion = model.backbone(x, return_motion=True,
                                       max_level=level)
            torch.manual_seed(seed * 7 + i)
            s = h.score(motion_head_inputs(h, motion))
            m = future_prediction_metrics(s.logits, s.targets, s.positives,
                                          s.starts, s.deltas, s.steps,
                                          h.distinct_threshold)
            n = float(m['distinct_rows']) * len(s.positives)
            if n:
                for k in hits:
                    hits[k] += float(m[k]) * n
            rows += n
            total += len(s.positives)
            chance = float(m['future_chance'])
        sums[name] = {k: v / max(rows, 1) for k, v in hits.items()}
        sums[name].update(future_chance=chance, distinct_rows=rows / total)
    return sums


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    from mmaction.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    import mmhcml  # noqa: F401
    from mmhcml.engine.hooks.progressive_freeze_hook import freeze_up_to
    os.makedirs(args.work_dir, exist_ok=True)
    train_clips = render(args.train_clips, 10 + args.seed)
    val_clips = render(args.val_clips, 5000)
    results = {}
    for arm in args.arms:
        switches = {}
        for part in arm.split('+'):
            switches.update(ARM_SWITCHES[part])
        # stage 1 never reads Z^1, so both inits train the same flow; the
        # 'cut' arm zeroes g^1 afterwards, as zero_init_fuse=True leaves it
        ckpt = osp.join(args.work_dir,
                        f'stage1_seed{args.seed}_{args.stage1_iters}.pth')
        if args.stage1_from:
            ckpt = args.stage1_from
        if not osp.exists(ckpt):
            print(f'[probe] stage 1, {args.stage1_iters} iterations',
                  flush=True)
            torch.manual_seed(args.seed)
            model = build_model({}, with_flow=True)
            train(model, train_clips, args.stage1_iters, 1e-3, args.batch,
                  args.seed)
            torch.save(model.state_dict(), ckpt)
        previous, results[arm] = ckpt, dict(switches=switches)
        for level in args.levels:
            print(f'[probe] stage {level} arm {arm}', flush=True)
            torch.manual_seed(args.seed)
            model = build_model(switches, with_flow=False, con_level=level)
            state = torch.load(previous, map_location='cpu')
            state = {k: v for k, v in state.items()
                     if not k.startswith('motion_heads.')}
            model.load_state_dict(state, strict=False)
            if switches.get('zero_init_fuse') and level == 2:
                for fuse in model.backbone.motion_fuses.values():
                    torch.nn.init.zeros_(fuse.norm.weight)
                    torch.nn.init.zeros_(fuse.norm.bias)
            before = evaluate(model, val_clips, level, seed=args.seed)
            _, norms = freeze_up_to(model, level - 1)
            model._frozen_norms = norms
            start = time.time()
            train(model, train_clips, args.stage2_iters,
                  switches.get('lr', 1e-3), args.batch, args.seed + level)
            after = evaluate(model, val_clips, level, seed=args.seed)
            results[arm][f'level{level}'] = dict(
                before=before['trained'], trained=after['trained'],
                untrained=after['untrained'],
                seconds=round(time.time() - start, 1))
            print(f'[probe] {arm} level {level}: '
                  f'{json.dumps(results[arm][f"level{level}"])}', flush=True)
            previous = osp.join(args.work_dir, f'{arm}_stage{level}_seed'
                                f'{args.seed}.pth')
            torch.save(model.state_dict(), previous)
    out = dict(seed=args.seed, stage1_iters=args.stage1_iters,
               stage2_iters=args.stage2_iters, train_clips=args.train_clips,
               val_clips=args.val_clips, arms=results)
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as handle:
            json.dump(out, handle, indent=1)
    return out


if __name__ == '__main__':
    main()
