"""Learnability probe for the synthetic-benchmark redesign (issue 12), val only.

Renders the benchmark's train / val seeds in memory (cached as npz under
$PROBE_OUT) with spec overrides (one shape per pair, restricted backgrounds /
textures), builds the repository's synthetic baseline or PMB-only model from
its config with backbone overrides, trains it with plain PyTorch (warm-up 10%
then cosine, gradient clip 40) and prints val top-1 / within-pair / pair
identity every --eval-every iterations. Never touches the test split.

python docs/results/synthetic_benchmark/redesign/probe.py NAME [--model baseline|pmb]
  [--pair-shapes] [--bgs flat,gradient] [--texs flat,stripes] [--opt adam --lr 1e-3]
  [--no-zi] [--bb JSON] [--mb JSON] [--iters 300] [--bs 8] [--size 80 --crop 64]
  [--frames 16 --clip 12]
"""
import argparse
import json
import math
import os
import sys
import time
from dataclasses import replace

import numpy as np
import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '../../../..'))
sys.path.insert(0, ROOT)
OUT = os.environ.get('PROBE_OUT', 'work_dirs/redesign_probe')
torch.set_num_threads(int(os.environ.get('OMP_NUM_THREADS', '1')))

import mmhcml.datasets.synthetic_motion as sm  # noqa: E402
from mmhcml.benchmarks.metrics import (pair_accuracy,  # noqa: E402
                                       pair_identity_accuracy, top1_accuracy)

p = argparse.ArgumentParser()
p.add_argument('name')
p.add_argument('--model', default='baseline')
p.add_argument('--per-class', type=int, default=24)
p.add_argument('--val-per-class', type=int, default=10)
p.add_argument('--iters', type=int, default=300)
p.add_argument('--bs', type=int, default=8)
p.add_argument('--lr', type=float, default=1e-3)
p.add_argument('--opt', default='adam')
p.add_argument('--wd', type=float, default=1e-4)
p.add_argument('--pair-shapes', default='')
p.add_argument('--bgs', default='')
p.add_argument('--texs', default='')
p.add_argument('--size', type=int, default=80)
p.add_argument('--crop', type=int, default=64)
p.add_argument('--frames', type=int, default=16)
p.add_argument('--clip', type=int, default=12)
p.add_argument('--eval-every', type=int, default=100)
p.add_argument('--no-zi', action='store_true')
p.add_argument('--bb', default='{}')
p.add_argument('--mb', default='{}')
p.add_argument('--wrap', default='{}')
p.add_argument('--classes', default='')
p.add_argument('--axis-bars', action='store_true',
               help='translation pairs draw a bar along their motion axis')
p.add_argument('--cue-prob', type=float, default=1.0,
               help='with --pair-bg: fraction of TRAIN clips with the pair '
               'hue (the others get a random hue); val always has it')
p.add_argument('--random-hue', action='store_true',
               help='with --pair-bg: the hue drawn at random, not by pair')
p.add_argument('--head', default='{}')
p.add_argument('--seed', type=int, default=0)
p.add_argument('--scale-mult', type=float, default=1.0)
p.add_argument('--pair-bg', action='store_true')
p.add_argument('--steps', type=int, default=sm.STREAK_STEPS)
a = p.parse_args()


def spec_of(split, lab, i):
    s = sm.sample_clip_spec(lab, sm._clip_rng(0, split, lab, i),
                            num_frames=a.frames, axis_bars=a.axis_bars)
    kw = {}
    if a.pair_shapes:
        kw['shape'] = a.pair_shapes.split(',')[lab // 2]
    if a.bgs:
        bgs = a.bgs.split(',')
        kw['background'] = bgs[s.bg_seed % len(bgs)]
    if a.texs:
        texs = a.texs.split(',')
        kw['texture'] = texs[s.texture_seed % len(texs)]
    if a.scale_mult != 1.0:
        kw.update(scale_start=s.scale_start * a.scale_mult,
                  scale_end=s.scale_end * a.scale_mult)
    if a.pair_bg:  # pair-coded background hue, brightness jittered
        no_cue = a.random_hue or (split == 'train' and (s.bg_seed % 1000) /
                                  1000 >= a.cue_prob)
        hue = np.array(PAIR_BG[s.bg_seed % 7 if no_cue else lab // 2], float)
        j = (s.bg_seed % 61 - 30)
        kw.update(bg_color=tuple(int(v) for v in np.clip(hue + j, 0, 255)),
                  bg_color2=tuple(int(v) for v in np.clip(hue * 0.6 + j, 0,
                                                           255)))
    return replace(s, **kw) if kw else s


PAIR_BG = ((200, 60, 60), (60, 170, 60), (60, 80, 200), (200, 200, 60),
           (170, 60, 200), (60, 190, 190), (128, 128, 128))


def render(split, n):
    xs, ys = [], []
    for lab in range(14):
        for i in range(n):
            xs.append(sm.render_clip(spec_of(split, lab, i), a.frames, a.size,
                                     steps=a.steps))
            ys.append(lab)
    return np.stack(xs), np.array(ys)


t0 = time.time()
key = (f'{OUT}/cache_{a.pair_shapes}_{a.bgs}_{a.texs}_{a.scale_mult}_{a.axis_bars}_{a.pair_bg}{a.random_hue}{a.cue_prob}_{a.steps}_{a.size}_{a.frames}_'
       f'{a.per_class}_{a.val_per_class}.npz')
if os.path.exists(key):
    z = np.load(key)
    Xtr, ytr, Xva, yva = z['a'], z['b'], z['c'], z['d']
else:
    Xtr, ytr = render('train', a.per_class)
    Xva, yva = render('val', a.val_per_class)
    os.makedirs(OUT, exist_ok=True)
    np.savez(key, a=Xtr, b=ytr, c=Xva, d=yva)
t_render = time.time() - t0
if a.classes:  # train / evaluate on a subset of classes only
    keep = [int(c) for c in a.classes.split(',')]
    mtr, mva = np.isin(ytr, keep), np.isin(yva, keep)
    Xtr, ytr, Xva, yva = Xtr[mtr], ytr[mtr], Xva[mva], yva[mva]

from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

import mmhcml  # noqa: E402,F401

init_default_scope('mmaction')
from mmaction.registry import MODELS  # noqa: E402

cfg = Config.fromfile(f'{ROOT}/configs/hcml/synthetic/{a.model}_synthetic.py')
if a.model == 'baseline':
    bb = cfg.model.backbone
else:
    bench = Config.fromfile(
        ROOT + '/configs/hcml/_base_/datasets/synthetic_benchmark.py')
    cfg.model.backbone.motion_block.update(bench.bench_motion_block)
    cfg.model.backbone.motion_block.update(json.loads(a.mb))
    bb = cfg.model.backbone.backbone
    cfg.model.backbone.update(json.loads(a.wrap))
if a.no_zi:
    bb.zero_init_residual = False
bb.update(json.loads(a.bb))
cfg.model.cls_head.update(json.loads(a.head))
if 'base_channels' in json.loads(a.bb):
    cfg.model.cls_head.in_channels = bb.base_channels * 8
torch.manual_seed(a.seed)
model = MODELS.build(cfg.model)
model.init_weights()
nparams = sum(q.numel() for q in model.parameters())
mean = torch.tensor([123.675, 116.28, 103.53]).view(1, 3, 1, 1, 1)
std = torch.tensor([58.395, 57.12, 57.375]).view(1, 3, 1, 1, 1)


def to_in(clips):
    x = torch.from_numpy(np.ascontiguousarray(clips)).float()
    return (x.permute(0, 4, 1, 2, 3) - mean) / std


def logits(x):
    feats = model.backbone(x)
    return model.cls_head(feats)


if a.opt == 'sgd':
    opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=0.9,
                          weight_decay=a.wd)
else:
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=a.wd)
warm = max(1, a.iters // 10)
sched = torch.optim.lr_scheduler.LambdaLR(
    opt, lambda s: 0.1 + 0.9 * s / warm if s < warm else 0.5 * (
        1 + math.cos(math.pi * (s - warm) / max(1, a.iters - warm))))
rng = np.random.default_rng(a.seed + 1)
mt, mc = a.frames - a.clip, a.size - a.crop


def evaluate():
    model.eval()
    out = []
    with torch.no_grad():
        for k in range(0, len(Xva), 20):
            c = Xva[k:k + 20, mt // 2:mt // 2 + a.clip,
                    mc // 2:mc // 2 + a.crop, mc // 2:mc // 2 + a.crop]
            out.append(torch.softmax(logits(to_in(c)), 1).numpy())
    model.train()
    s = np.concatenate(out)
    P = sm.REVERSAL_PAIRS
    per_pair = []
    for c0, c1 in P:
        m = (yva == c0) | (yva == c1)
        if not m.any():
            continue
        pred = np.where(s[m, c0] >= s[m, c1], c0, c1)
        per_pair.append(round(float((pred == yva[m]).mean()), 2))
    return dict(top1=top1_accuracy(s, yva), within_pair=pair_accuracy(
        s, yva, P), pair_identity=pair_identity_accuracy(s, yva, P),
        within_per_pair=per_pair)


hist, losses = [], []
t1 = time.time()
model.train()
for it in range(1, a.iters + 1):
    idx = rng.integers(len(Xtr), size=a.bs)
    clips = []
    for j in idx:
        t = rng.integers(mt + 1)
        y0, x0 = rng.integers(mc + 1, size=2)
        clips.append(Xtr[j, t:t + a.clip, y0:y0 + a.crop, x0:x0 + a.crop])
    loss = torch.nn.functional.cross_entropy(
        logits(to_in(np.stack(clips))), torch.from_numpy(ytr[idx]))
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 40)
    opt.step()
    sched.step()
    losses.append(float(loss.detach()))
    if it % a.eval_every == 0 or it == a.iters:
        r = evaluate()
        r.update(it=it, train_loss=float(np.mean(losses[-50:])),
                 s_per_it=round((time.time() - t1) / it, 3))
        hist.append(r)
        print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v)
                          for k, v in r.items()}), flush=True)
res = dict(name=a.name, args=vars(a), params=nparams, render_s=t_render,
           train_s=time.time() - t1, hist=hist)
with open(f'{OUT}/probe_results.jsonl', 'a') as f:
    f.write(json.dumps(res) + '\n')
print('FINAL', a.name, json.dumps(hist[-1]))
