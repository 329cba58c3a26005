"""Level-1 flow of a stage-1 checkpoint on rendered val clips of the synthetic
benchmark vs the true object motion (issue 11/12 diag, val only).
python synth_flow.py CONFIG CKPT [OBJECT_GRID]"""
import sys, numpy as np, torch
torch.set_num_threads(1)
from mmengine.config import Config
from mmengine.runner import load_checkpoint
from mmaction.registry import MODELS
from mmaction.utils import register_all_modules
register_all_modules(init_default_scope=True)
import mmhcml
from mmhcml.datasets.synthetic_motion import sample_clip_spec, render_clip, _clip_rng, object_alpha
cfg = Config.fromfile(sys.argv[1]); grid = int(sys.argv[3]) if len(sys.argv) > 3 else 1
m = MODELS.build(cfg.model); load_checkpoint(m, sys.argv[2], map_location='cpu', logger='silent'); m.eval()
dp = m.data_preprocessor
rows = []
for lab in range(8):
    for i in range(6):
        sp = sample_clip_spec(lab, _clip_rng(0, 'val', lab, i), num_frames=16, axis_bars=True, object_grid=grid)
        fr = render_clip(sp, 16, 80, steps=0)[2:14, 8:72, 8:72]
        al = object_alpha(sp, 16, 80)[2:14, 8:72, 8:72]
        v = np.array([(sp.pos_end[0]-sp.pos_start[0])/15*80, (sp.pos_end[1]-sp.pos_start[1])/15*80])
        x = torch.from_numpy(fr).permute(3, 0, 1, 2)[None].float()
        x = (x - dp.mean.reshape(1,3,1,1,1)) / dp.std.reshape(1,3,1,1,1)
        with torch.no_grad():
            out = m.predict_flow(x)[1]
        f = out['flow'][0].numpy() if isinstance(out, dict) else out.flow[0].numpy()  # (P,2,H,W)
        mask = al[:f.shape[0]] > 0.5
        fo = f.transpose(0, 2, 3, 1)[mask]          # (K,2)
        bg = f.transpose(0, 2, 3, 1)[~mask]
        epe = np.linalg.norm(fo - v, axis=1).mean(); epe0 = np.linalg.norm(v)
        cos = (fo @ v).mean() / (np.linalg.norm(v) * np.linalg.norm(fo, axis=1).mean() + 1e-6)
        rows.append((epe, epe0, np.linalg.norm(fo, axis=1).mean(), np.linalg.norm(bg, axis=1).mean(), (fo @ v / np.linalg.norm(v) > 0).mean()))
r = np.array(rows)
print(f'{sys.argv[2]}: object EPE {np.nanmean(r[:,0]):.2f} px (zero flow {np.nanmean(r[:,1]):.2f}); |flow| on object {np.nanmean(r[:,2]):.2f}, on background {np.nanmean(r[:,3]):.3f}; object pixels whose flow points along the true direction {np.nanmean(r[:,4])*100:.1f}%')
