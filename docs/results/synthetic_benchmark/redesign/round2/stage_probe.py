"""Does a self-supervised stage make motion linearly readable? (issue 12, val)
Ridge probe (fit on train, alpha and score on val) of globally pooled Z^l and P^l
of the joint model built from a checkpoint (strict=False; missing parts random).
python stage_probe.py WORK_DIR TAG CKPT [CKPT...]   (CKPT 'none' = random init)"""
import sys, copy, numpy as np, torch
torch.set_num_threads(1)
from mmhcml.benchmarks.evaluate import ModelRunner, read_split, ridge_probe
from mmhcml.benchmarks.metrics import pair_accuracy, top1_accuracy
from mmengine.runner import load_checkpoint
W = sys.argv[1]; tag = sys.argv[2]; ckpts = sys.argv[3:]
D = f'{W}/data'
PAIRS = [(0, 1), (2, 3), (4, 5), (6, 7)]
cache = {}
def split(name, n=None):
    x, y = read_split(f'{D}/{name}.txt', f'{D}/videos')
    if n: 
        rng = np.random.default_rng(0); i = rng.permutation(len(x))[:n]; x, y = x[i], y[i]
    return x[:, 2:14, 8:72, 8:72], y
tr = split('train', 320); va = split('val')
torch.manual_seed(1)
r = ModelRunner(f'{W}/configs/unbiased_joint.py', ckpts[0] if ckpts[0] != 'none' else None, levels=(1, 2, 3)) if False else None
# build without checkpoint then load each
from mmengine.config import Config
from mmaction.registry import MODELS
from mmaction.utils import register_all_modules
register_all_modules(init_default_scope=True)
import mmhcml
cfg = Config.fromfile(f'{W}/configs/unbiased_joint.py')
class R(ModelRunner):
    def __init__(self):
        pass
r = R()
torch.manual_seed(1)
m = MODELS.build(cfg.model); m.init_weights()
for c in ckpts:
    if c != 'none':
        load_checkpoint(m, c, map_location='cpu', logger='silent', strict=False)
m.eval()
r.model = m; r.levels = (1, 2, 3); r.torch = torch
dp = m.data_preprocessor
r.mean = dp.mean.reshape(1, 3, 1, 1, 1).float(); r.std = dp.std.reshape(1, 3, 1, 1, 1).float()
bb = m.backbone
r.stem, r.stages, r.tail = bb._stem, bb._stages, bb._tail
P = {}
def mk(lv):
    def f(x):
        z, p = bb.fuse_motion(lv, x); P[lv].append(p.mean(dim=(2, 3, 4)).numpy()); return z
    return f
r.fuse = {lv: mk(lv) for lv in bb.levels}
def feats(x):
    for lv in bb.levels: P[lv] = []
    outs = [r.forward(x[i:i+32]) for i in range(0, len(x), 32)]
    z = {lv: np.concatenate([o[1][lv] for o in outs]) for lv in (1, 2, 3)}
    p = {lv: np.concatenate(P[lv]) for lv in bb.levels}
    return z, p
ztr, ptr = feats(tr[0]); zva, pva = feats(va[0])
res = [tag]
for name, a, b in (('Z', ztr, zva), ('P', ptr, pva)):
    for lv in sorted(a):
        s, al = ridge_probe(a[lv], tr[1], b[lv], va[1], b[lv], 8)
        res.append(f'{name}{lv}: wp {pair_accuracy(s, va[1], PAIRS)*100:.1f} top1 {top1_accuracy(s, va[1])*100:.1f}')
print(' | '.join(res), flush=True)
