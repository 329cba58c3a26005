"""Shared helpers of the stage-1 flow experiments (research log, not part of
the package): cached 96x128 frames at stride 2, Farneback, Eq. 2 error."""
import cv2, numpy as np, torch, time, sys, os, json
import mmhcml  # noqa registers
from mmaction.utils import register_all_modules; register_all_modules()
from mmengine.config import Config
from mmaction.registry import MODELS
from mmhcml.models.losses import photometric_loss
from mmhcml.models.ops import backward_warp

VIDEOS = os.environ.get('HCML_VIDEOS', ' '.join(
    f'../shared/real_footage/{n}' for n in ('vtest.avi', 'tree.avi', 'Megamind.avi'))).split()

def load(path, size=(96, 128), stride=2):
    cache = f'/tmp/hcml_stage1_flow_{os.path.basename(path)}_{size[0]}x{size[1]}_s{stride}.npy'
    if os.path.exists(cache):
        return np.load(cache)
    cap = cv2.VideoCapture(path); out = []; i = 0
    while True:
        ok, f = cap.read()
        if not ok: break
        if i % stride == 0:
            f = cv2.resize(f, (size[1], size[0]), interpolation=cv2.INTER_AREA)
            out.append(f[:, :, ::-1])
        i += 1
    a = np.stack(out).astype(np.uint8); np.save(cache, a); return a

def farneback(a, b):
    ga = cv2.cvtColor(a, cv2.COLOR_RGB2GRAY); gb = cv2.cvtColor(b, cv2.COLOR_RGB2GRAY)
    return cv2.calcOpticalFlowFarneback(ga, gb, None, 0.5, 3, 15, 3, 5, 1.2, 0)

def to_t(frames):  # (T,H,W,3) uint8 -> (3,T,H,W) float 0-255
    return torch.from_numpy(frames).float().permute(3, 0, 1, 2)

def phot(a, b, flow):
    """a,b: (B,3,H,W) [0,1]; flow (B,2,H,W)"""
    w, m = backward_warp(b, flow)
    return photometric_loss(a, w, m).item()
