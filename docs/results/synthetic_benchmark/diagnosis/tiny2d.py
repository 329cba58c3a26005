"""Reference learner: a plain 2D CNN on single frames of a probe.py cache, 7-way pair identity.

ITERS=600 python docs/results/synthetic_benchmark/diagnosis/tiny2d.py CACHE.npz
"""
import os, sys, glob, numpy as np, torch, torch.nn as nn, time
torch.set_num_threads(1); torch.manual_seed(0)
z = np.load(sys.argv[1]); Xtr, ytr, Xva, yva = z['a'], z['b'] // 2, z['c'], z['d'] // 2
norm = 'bn' if len(sys.argv) < 3 else sys.argv[2]
def blk(i, o):
    return [nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o) if norm == 'bn' else nn.Identity(), nn.ReLU(), nn.MaxPool2d(2)]
net = nn.Sequential(*blk(3, 16), *blk(16, 32), *blk(32, 64), *blk(64, 64), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 7))
opt = torch.optim.Adam(net.parameters(), 1e-3); rng = np.random.default_rng(0)
def prep(x): return (torch.from_numpy(x).float().permute(0, 3, 1, 2) - 128) / 64
t = time.time()
ITERS = int(os.environ.get('ITERS', 300))
for it in range(1, ITERS + 1):
    idx = rng.integers(len(Xtr), size=16); f = rng.integers(16, size=16)
    x = prep(Xtr[idx, f, 8:72, 8:72]); loss = nn.functional.cross_entropy(net(x), torch.from_numpy(ytr[idx]))
    opt.zero_grad(); loss.backward(); opt.step()
    if it % 50 == 0:
        net.eval()
        with torch.no_grad(): acc = (net(prep(Xva[:, 8, 8:72, 8:72])).argmax(1).numpy() == yva).mean()
        net.train(); print(it, round(float(loss), 3), 'val pair-id', round(float(acc), 3), round(time.time() - t), flush=True)
net.eval()
with torch.no_grad(): pred = net(prep(Xva[:, 8, 8:72, 8:72])).argmax(1).numpy()
print('per-pair val accuracy', [round(float((pred[yva == k] == k).mean()), 2) for k in range(7)])
