import os, torch, torch.nn.functional as F
import mmhcml.models.heads.flow_reconstruction_head as frh
from mmhcml.models.losses import charbonnier
from mmhcml.models.ops import backward_warp
P = os.environ.get('PATCH', '')
if 'validnorm' in P:
    def ph(target, warped, mask, alpha=0.45, eps=1e-3):
        e = charbonnier(target.float() - warped.float(), alpha, eps) * mask
        return e.sum() / (mask.sum() * target.shape[1] + 1e-6)
    frh.photometric_loss = ph
if 'ms' in P:
    from mmhcml.models.losses import photometric_loss, smoothness_loss
    from mmhcml.models.heads._level_utils import frames_at_level
    def loss(self, motion, frames):
        feats = motion[self.level]; steps = feats.shape[2]
        frames = frames_at_level(frames, steps, self.level)
        H, W = frames.shape[-2:]
        n, pairs = feats.shape[0], steps - 1
        flow = self.pair_flow(feats, (H, W))
        tgt = frames[:, :, :-1].transpose(1, 2).reshape(n * pairs, -1, H, W).float()
        src = frames[:, :, 1:].transpose(1, 2).reshape(n * pairs, -1, H, W).float()
        total = 0; phs = []
        for s in (1, 2, 4):
            if s == 1: t_, s_, f_ = tgt, src, flow
            else:
                t_, s_ = F.avg_pool2d(tgt, s), F.avg_pool2d(src, s); f_ = F.avg_pool2d(flow, s) / s
            w_, m_ = backward_warp(s_, f_)
            ph = photometric_loss(t_, w_, m_, self.alpha, self.eps); phs.append(ph)
        photometric = sum(phs) / len(phs)
        smooth = smoothness_loss(flow, self.alpha, self.eps)
        tot = photometric + self.smooth_weight * smooth
        return {f'loss_rec_l{self.level}': self.loss_weight * tot, f'photometric_err_l{self.level}': phs[0].detach(), f'smoothness_err_l{self.level}': smooth.detach()}
    frh.FlowReconstructionHead.loss = loss
