"""In-memory learnability probe for the synthetic benchmark (issue 12), val only.

Renders train/val clips in memory from the benchmark's train / val seeds with a renderer
VARIANT, trains the repo's baseline R2D (or PMB-only) with plain torch SGD (the configs'
optimiser: lr, momentum 0.9, wd 1e-4, clip 40, warm-up + cosine), and reports val top-1,
within-pair and pair-identity accuracy. No decord / dataloader: isolates data + model.

python probe.py NAME --model baseline --per-class 24 --iters 300 [--steps 2 --den 2]
  [--flat-bg] [--flat-tex] [--pair-shape] [--v2] [--bgs flat,gradient] [--lr 0.05]
  [--opt sgd|adam] [--init] [--no-zi] [--no-pool1] [--bb JSON] [--head JSON] [--pair-labels]
  [--clip 12] [--print-loss N]
"""
import os, sys
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '../../../..'))
sys.path.insert(0, ROOT)
OUT = os.environ.get('PROBE_OUT', 'work_dirs/learnability_probe')  # caches + results

import argparse, json, math, time, sys, os
from dataclasses import replace
import numpy as np, torch
torch.set_num_threads(1)
pass
import mmhcml.datasets.synthetic_motion as sm
import mmhcml.datasets._synthetic_drawing as sd
_sdf = sd.shape_sdf
def _shape_sdf(shape, u, v):  # adds the probe-only 'bar' (elongated along local u)
    return sd._box(u, v, 0.0, 0.0, 0.95, 0.3) if shape == 'bar' else _sdf(shape, u, v)
sd.shape_sdf = _shape_sdf
from mmhcml.benchmarks.metrics import pair_accuracy, pair_identity_accuracy, top1_accuracy

p = argparse.ArgumentParser()
p.add_argument('name'); p.add_argument('--model', default='baseline')
p.add_argument('--per-class', type=int, default=24); p.add_argument('--val-per-class', type=int, default=10)
p.add_argument('--iters', type=int, default=300); p.add_argument('--bs', type=int, default=8)
p.add_argument('--lr', type=float, default=0.05); p.add_argument('--steps', type=int, default=2)
p.add_argument('--den', type=int, default=2); p.add_argument('--flat-bg', action='store_true')
p.add_argument('--flat-tex', action='store_true'); p.add_argument('--pair-shape', action='store_true')
p.add_argument('--size', type=int, default=80); p.add_argument('--crop', type=int, default=64)
p.add_argument('--clip', type=int, default=12); p.add_argument('--frames', type=int, default=16)
p.add_argument('--eval-every', type=int, default=100)
p.add_argument('--v2', action='store_true'); p.add_argument('--init', action='store_true'); p.add_argument('--no-zi', action='store_true'); p.add_argument('--no-pool1', action='store_true'); p.add_argument('--bb', default='{}'); p.add_argument('--pair-labels', action='store_true'); p.add_argument('--head', default='{}'); p.add_argument('--opt', default='sgd'); p.add_argument('--print-loss', type=int, default=0); p.add_argument('--bgs', default='')
a = p.parse_args()
PAIR_SHAPES = ('notched_square', 'pacman', 'triangle', 'latin_cross', 'l_shape', 'semicircle', 'pacman')

def spec_of(split, lab, i):
    s = sm.sample_clip_spec(lab, sm._clip_rng(0, split, lab, i), num_frames=a.frames)
    kw = {}
    if a.flat_bg: kw['background'] = 'flat'
    if a.flat_tex: kw['texture'] = 'flat'
    if a.pair_shape: kw['shape'] = PAIR_SHAPES[lab // 2]
    if a.bgs: kw['background'] = a.bgs.split(',')[s.bg_seed % len(a.bgs.split(','))]
    if a.v2:
        pair = lab // 2
        if pair < 4:
            d = sm._PAIR_MOTIONS[pair][1]; th = math.atan2(d[1], d[0])
            kw.update(shape='bar', angle_start=th, angle_end=th)
        else:
            kw['shape'] = ('pacman', 'latin_cross', 'triangle')[pair - 4]
    return replace(s, **kw) if kw else s

def render(split, n):
    xs, ys = [], []
    for lab in range(14):
        for i in range(n):
            xs.append(sm.render_clip(spec_of(split, lab, i), a.frames, a.size, steps=a.steps, den=a.den)); ys.append(lab)
    return np.stack(xs), np.array(ys)

t0 = time.time()
key = f"{OUT}/cache_{a.v2}_{a.pair_shape}_{a.flat_bg}_{a.flat_tex}_{a.bgs}_{a.steps}_{a.den}_{a.size}_{a.frames}_{a.per_class}.npz"
if os.path.exists(key):
    z = np.load(key); Xtr, ytr, Xva, yva = z['a'], z['b'], z['c'], z['d']
else:
    Xtr, ytr = render('train', a.per_class); Xva, yva = render('val', a.val_per_class)
    os.makedirs(OUT, exist_ok=True); np.savez(key, a=Xtr, b=ytr, c=Xva, d=yva)
t_render = time.time() - t0
from mmengine.config import Config
from mmengine.registry import init_default_scope
import mmhcml  # noqa
init_default_scope('mmaction')
from mmaction.registry import MODELS
cfg = Config.fromfile(f'{ROOT}/configs/hcml/synthetic/{a.model}_synthetic.py')
if a.model != 'baseline':
    b = Config.fromfile(ROOT + '/configs/hcml/_base_/datasets/synthetic_benchmark.py')
    cfg.model.backbone.motion_block.update(b.bench_motion_block)
if a.no_zi:
    (cfg.model.backbone if a.model == 'baseline' else cfg.model.backbone.backbone).zero_init_residual = False
if a.no_pool1:
    (cfg.model.backbone if a.model == 'baseline' else cfg.model.backbone.backbone).with_pool1 = False
(cfg.model.backbone if a.model == 'baseline' else cfg.model.backbone.backbone).update(json.loads(a.bb)); cfg.model.cls_head.update(json.loads(a.head))
torch.manual_seed(0)
model = MODELS.build(cfg.model)
if a.init: model.init_weights()
mean = torch.tensor([123.675, 116.28, 103.53]).view(1, 3, 1, 1, 1); std = torch.tensor([58.395, 57.12, 57.375]).view(1, 3, 1, 1, 1)
def to_in(clips):  # (B,T,H,W,3) uint8
    x = torch.from_numpy(np.ascontiguousarray(clips)).float().permute(0, 4, 1, 2, 3)
    return (x - mean) / std
def logits(x):
    return model.cls_head(model.backbone(x))
opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=0.9, weight_decay=1e-4) if a.opt == 'sgd' else torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=1e-4)
warm = max(1, a.iters // 10)
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.1 + 0.9 * s / warm if s < warm else 0.5 * (1 + math.cos(math.pi * (s - warm) / max(1, a.iters - warm))))
rng = np.random.default_rng(1)
mt, mc = a.frames - a.clip, a.size - a.crop
def evaluate():
    model.eval(); out = []
    with torch.no_grad():
        for k in range(0, len(Xva), 20):
            c = Xva[k:k+20, mt//2:mt//2+a.clip, mc//2:mc//2+a.crop, mc//2:mc//2+a.crop]
            out.append(torch.softmax(logits(to_in(c)), 1).numpy())
    model.train(); s = np.concatenate(out)
    P = sm.REVERSAL_PAIRS
    return dict(top1=top1_accuracy(s, yva), within_pair=pair_accuracy(s, yva, P), pair_identity=pair_identity_accuracy(s, yva, P))
hist = []; t1 = time.time(); losses = []
model.train()
for it in range(1, a.iters + 1):
    idx = rng.integers(len(Xtr), size=a.bs)
    clips = []
    for j in idx:
        t = rng.integers(mt + 1); y0, x0 = rng.integers(mc + 1, size=2)
        clips.append(Xtr[j, t:t+a.clip, y0:y0+a.crop, x0:x0+a.crop])
    loss = torch.nn.functional.cross_entropy(logits(to_in(np.stack(clips))), torch.from_numpy((ytr[idx] // 2) * 2 if a.pair_labels else ytr[idx]))
    opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(model.parameters(), 40); opt.step(); sched.step()
    losses.append(float(loss.detach()))
    if a.print_loss and it % a.print_loss == 0: print(it, round(float(np.mean(losses[-a.print_loss:])), 3), flush=True)
    if it % a.eval_every == 0 or it == a.iters:
        r = evaluate(); r.update(it=it, train_loss=float(np.mean(losses[-50:])), s=round(time.time() - t1)); hist.append(r)
        print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items()}), flush=True)
res = dict(name=a.name, args=vars(a), render_s=t_render, train_s=time.time() - t1, hist=hist)
with open(f'{OUT}/probe_results.jsonl', 'a') as f: f.write(json.dumps(res) + '\n')
print('FINAL', a.name, json.dumps(hist[-1]))
