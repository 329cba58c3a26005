"""Stage-1 flow experiments on real footage (custom loop, no runner)."""
import argparse, json, time, sys, copy
import numpy as np, torch
import os; torch.set_num_threads(int(os.environ.get("NT", 2)))
from mmengine.config import Config
import mmhcml  # noqa
from mmengine.registry import init_default_scope; init_default_scope("mmaction")
from mmaction.registry import MODELS
from mmhcml.datasets.video_frames import read_video_frames
from mmhcml.analysis.flow_quality import evaluate_video

p = argparse.ArgumentParser()
p.add_argument('--config', default='/work/main/configs/hcml/synthetic/stage1_real_footage.py')
p.add_argument('--opt', default='sgd'); p.add_argument('--lr', type=float, default=0.05)
p.add_argument('--iters', type=int, default=300); p.add_argument('--eval-every', type=int, default=100)
p.add_argument('--batch', type=int, default=4); p.add_argument('--clip', type=int, default=8)
p.add_argument('--crop', type=int, nargs=2, default=(64, 96))
p.add_argument('--pan', type=float, default=0.0, help='prob of camera pan (int speed up to 4)')
p.add_argument('--model', default='{}', help='python dict merged into cfg.model')
p.add_argument('--videos', nargs='+', default=['vtest', 'tree', 'Megamind'])
p.add_argument('--seed', type=int, default=0); p.add_argument('--tag', default='')
p.add_argument('--warmup', type=int, default=0)
p.add_argument('--eval-train', action='store_true'); p.add_argument('--cosine', action='store_true'); p.add_argument('--val', action='store_true'); p.add_argument('--reverse', type=float, default=0.0)
a = p.parse_args()
torch.manual_seed(a.seed); rng = np.random.default_rng(a.seed)
cfg = Config.fromfile(a.config)
cfg.merge_from_dict({'model': eval(a.model)})
model = MODELS.build(cfg.model); model.init_weights(); model.train()
vids = {v: read_video_frames(f'/work/shared/real_footage/{v}.avi', (96, 128), 2) for v in a.videos}
split = {v: int((0.55 if a.val else 0.7) * len(f)) for v, f in vids.items()}
pre = model.data_preprocessor
mean, std = pre.mean.view(1, 3, 1, 1, 1), pre.std.view(1, 3, 1, 1, 1)
params = [q for q in model.parameters() if q.requires_grad]
if a.opt == 'sgd':
    opt = torch.optim.SGD(params, lr=a.lr, momentum=0.9, weight_decay=1e-4)
else:
    opt = torch.optim.AdamW(params, lr=a.lr, weight_decay=1e-4)
names = list(vids)
def batch():
    clips = []
    for _ in range(a.batch):
        v = names[rng.integers(len(names))]; fr = vids[v][:split[v]]
        s = rng.integers(0, len(fr) - a.clip + 1); c = fr[s:s + a.clip]
        H, W = c.shape[1:3]; ch, cw = a.crop
        if rng.random() < a.pan:
            vy, vx = rng.integers(-4, 5, size=2)
        else:
            vy = vx = 0
        y0 = rng.integers(max(0, -vy * (a.clip - 1)), H - ch - max(0, vy * (a.clip - 1)) + 1)
        x0 = rng.integers(max(0, -vx * (a.clip - 1)), W - cw - max(0, vx * (a.clip - 1)) + 1)
        c = np.stack([c[t, y0 + vy * t:y0 + vy * t + ch, x0 + vx * t:x0 + vx * t + cw] for t in range(a.clip)])
        if rng.random() < a.reverse: c = c[::-1].copy()
        clips.append(torch.from_numpy(c).float().permute(3, 0, 1, 2))
    x = (torch.stack(clips) - mean) / std
    return x[:, None]
def evaluate(it):
    res = {}
    for v, fr in vids.items():
        if a.val:
            fr = fr[split[v]:int(0.7 * len(fr))]
            if len(fr) < a.clip: continue
        r = evaluate_video(model, fr, a.clip, start_fraction=0.0 if a.val else 0.7)
        res[v] = dict(cut=r['cut'], p50=r['magnitude']['model']['p50'], p99=r['magnitude']['model']['p99'],
                      fb99=r['magnitude']['farneback']['p99'], epd=r['epd_model_vs_farneback'])
        if a.eval_train:
            r2 = evaluate_video(model, fr[:split[v]], a.clip)
            res[v]['train_cut'] = r2['cut']['model']
    model.train()
    mc = np.mean([r['cut']['model'] for r in res.values()]); fc = np.mean([r['cut']['farneback'] for r in res.values()])
    line = f'[{a.tag}] it {it} t={time.time()-t0:.0f}s mean cut model {mc:+.3f} fb {fc:+.3f} | ' + ' '.join(
        f"{v}: {r['cut']['model']:+.3f}/{r['cut']['farneback']:+.3f} p50 {r['p50']:.2f} p99 {r['p99']:.2f}" +
        (f" tr {r['train_cut']:+.3f}" if 'train_cut' in r else '') for v, r in res.items())
    print(line, flush=True)
    return dict(it=it, mean_model=mc, mean_fb=fc, per=res)
t0 = time.time(); log = []
for it in range(1, a.iters + 1):
    import math
    f = min(1.0, it / a.warmup) if a.warmup else 1.0
    if a.cosine and it > a.warmup:
        f = 0.5 * (1 + math.cos(math.pi * (it - a.warmup) / (a.iters - a.warmup)))
    for g in opt.param_groups: g['lr'] = a.lr * f
    losses = model.loss(batch(), None)
    loss = sum(v for k, v in losses.items() if k.startswith('loss'))
    opt.zero_grad(); loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 40)
    opt.step()
    if it % 25 == 0:
        print(f'[{a.tag}] it {it} loss {loss.item():.4f} pho {losses["photometric_err_l1"].item():.4f} sm {losses["smoothness_err_l1"].item():.4f} {time.time()-t0:.0f}s', flush=True)
    if it % a.eval_every == 0 or it == a.iters:
        log.append(evaluate(it))
torch.save(model.state_dict(), f'/work/exp/{a.tag}.pth')
json.dump(dict(args=vars(a), log=log), open(f'/work/exp/{a.tag or "run"}.json', 'w'), indent=1)
