"""Stage-1 experiment harness: python train.py NAME key=value ..."""
import argparse, random
import os, sys; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import *
import patches
from mmhcml.models.recognizers.hcml_recognizer import motion_head_inputs
torch.set_num_threads(1)
import logging; from mmengine.logging import MMLogger; MMLogger.get_current_instance().setLevel(logging.ERROR)
p = argparse.ArgumentParser(); p.add_argument('name'); p.add_argument('--cfg', default='configs/hcml/synthetic/stage1_synthetic.py')
p.add_argument('--iters', type=int, default=300); p.add_argument('--opt', default='sgd'); p.add_argument('--lr', type=float, default=0.05)
p.add_argument('--wd', type=float, default=1e-4); p.add_argument('--bs', type=int, default=4); p.add_argument('--T', type=int, default=8)
p.add_argument('--opts', nargs='*', default=[]); p.add_argument('--seed', type=int, default=0); p.add_argument('--sup', action='store_true'); p.add_argument('--aug', action='store_true'); p.add_argument('--cam', type=float, default=0); p.add_argument('--camv', type=int, default=4); p.add_argument('--crop', type=int, nargs=2, default=[64, 96])
a = p.parse_args()
torch.manual_seed(a.seed); random.seed(a.seed); np.random.seed(a.seed)
cfg = Config.fromfile(a.cfg)
if a.opts: cfg.merge_from_dict({k: eval(v) for k, v in (o.split('=', 1) for o in a.opts)})
model = MODELS.build(cfg.model); model.init_weights(); model.train()
head = model.motion_heads['rec_l1']
vids = [load(v) for v in VIDEOS]
TRAIN_END = float(os.environ.get('TRAIN_END', '0.55'))
trains = [v[:int(TRAIN_END * len(v))] for v in vids]
pre = model.data_preprocessor
mean = torch.tensor([123.675, 116.28, 103.53]).view(3, 1, 1, 1); std = torch.tensor([58.395, 57.12, 57.375]).view(3, 1, 1, 1)
params = [q for q in model.parameters() if q.requires_grad]
if a.opt == 'sgd': opt = torch.optim.SGD(params, lr=a.lr, momentum=0.9, weight_decay=a.wd)
else: opt = torch.optim.AdamW(params, lr=a.lr, weight_decay=a.wd)
warm = max(1, a.iters // 10)
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda i: min(1, (i + 1) / warm) * 0.5 * (1 + np.cos(np.pi * min(i, a.iters) / a.iters)))
FB = {}
def fb(vi, t):
    if (vi, t) not in FB: FB[(vi, t)] = torch.from_numpy(farneback(vids[vi][t], vids[vi][t + 1])).permute(2, 0, 1)
    return FB[(vi, t)]
def batch(frames_list, T, bs):
    clips = []; flows = []
    for _ in range(bs):
        vi = random.randrange(len(frames_list)); v = frames_list[vi]; s = random.randint(0, len(v) - T)
        c = to_t(v[s:s + T])
        if a.cam > 0:
            ch, cw = a.crop; H, W = c.shape[-2:]
            vx, vy = (random.randint(-a.camv, a.camv), random.randint(-a.camv, a.camv)) if random.random() < a.cam else (0, 0)
            y0 = random.randint(max(0, -vy * (T - 1)), min(H - ch, H - ch - vy * (T - 1)))
            x0 = random.randint(max(0, -vx * (T - 1)), min(W - cw, W - cw - vx * (T - 1)))
            c = torch.stack([c[:, t, y0 + vy * t:y0 + vy * t + ch, x0 + vx * t:x0 + vx * t + cw] for t in range(T)], 1)
        if a.aug:
            if random.random() < 0.5: c = c.flip(-1)
            if random.random() < 0.5: c = c.flip(-2)
            if random.random() < 0.5: c = c.flip(1)
        clips.append(c)
        if a.sup: flows.append(torch.stack([fb(vi, s + k) for k in range(T - 1)]))
    return torch.stack(clips), (torch.cat(flows) if a.sup else None)
t0 = time.time(); log = []
for it in range(a.iters):
    x, gt = batch(trains, a.T, a.bs)
    xn = (x - mean) / std
    feats, motion = model.backbone(xn, return_motion=True, max_level=1)
    losses = head.loss(motion_head_inputs(head, motion), x / 255.)
    loss = sum(v for k, v in losses.items() if k.startswith('loss'))
    if a.sup:
        fl = head.pair_flow(motion[1], x.shape[-2:]); epe = (fl - gt).norm(dim=1).mean(); loss = epe; losses['epe'] = epe; losses['epe0'] = gt.norm(dim=1).mean()
    opt.zero_grad(); loss.backward(); opt.step(); sched.step()
    if it % 50 == 0 or it == a.iters - 1:
        print(it, {k: round(float(v), 5) for k, v in losses.items()}, f'{time.time()-t0:.0f}s', flush=True)
model.eval()
res = {}
with torch.no_grad():
    for path, v in zip(VIDEOS, vids):
        rows = []
        for split, lo, hi in (('train', 0, int(TRAIN_END * len(v))), ('val', int(0.55 * len(v)), int(0.7 * len(v))), ('test', int(0.7 * len(v)), len(v))):
            z = m = f = 0; n = 0; mags = []
            for s in range(lo, hi - a.T + 1, a.T - 1):
                x = to_t(v[s:s + a.T])[None]
                _, motion = model.backbone((x - mean) / std, return_motion=True, max_level=1)
                fl = head.pair_flow(motion[1], x.shape[-2:])
                fr = x[0].transpose(0, 1) / 255.
                A, B = fr[:-1], fr[1:]
                z += phot(A, B, fl * 0); m += phot(A, B, fl); n += 1
                mags.append(fl.norm(dim=1).flatten())
            mags = torch.cat(mags) if mags else None
            rows.append((split, z / n, m / n, 100 * (1 - m / z), float(mags.quantile(0.5)), float(torch.quantile(mags[:100000], 0.99))) if n else (split, float('nan'), float('nan'), float('nan'), float('nan'), float('nan')))
        res[os.path.basename(path)] = rows
        print(os.path.basename(path), ' '.join(f'{r[0]}: zero {r[1]:.4f} model {r[2]:.4f} cut {r[3]:.1f}% p50 {r[4]:.2f} p99 {r[5]:.2f} |' for r in rows))
print('MEAN val cut %.1f%%' % np.nanmean([r[1][3] for r in res.values()]), 'MEAN test cut %.1f%%' % np.mean([r[2][3] for r in res.values()]), 'time %.0fs' % (time.time() - t0))
