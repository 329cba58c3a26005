import numpy as np, torch
torch.set_num_threads(1)
from mmhcml.datasets.video_frames import read_video_frames
from mmhcml.analysis.flow_quality import photometric_error, farneback_flow
for v in ['vtest', 'tree', 'Megamind']:
    fr = read_video_frames(f'/work/shared/real_footage/{v}.avi', (96, 128), 2)
    fr = fr[int(0.7 * len(fr)):]
    im = torch.from_numpy(fr).float().permute(0, 3, 1, 2) / 255
    a, b = im[:-1], im[1:]
    z = photometric_error(a, b, torch.zeros(len(a), 2, 96, 128))[0].mean()
    out = [f'{v}: n={len(a)} zero {z:.4f}']
    for s in (0.1, 0.25, 0.5):
        f = torch.zeros(len(a), 2, 96, 128); f[:, 0] = s
        out.append(f'u={s}: {photometric_error(a, b, f)[0].mean()/z-1:+.3f}')
    fb = torch.from_numpy(np.stack([farneback_flow(fr[t], fr[t+1]) for t in range(len(a))])).permute(0, 3, 1, 2)
    mag = fb.norm(dim=1)
    out.append(f'fb cut {1-photometric_error(a, b, fb)[0].mean()/z:+.3f} frac>0.5px {(mag>0.5).float().mean():.3f} frac>2px {(mag>2).float().mean():.3f}')
    # fb thresholded: zero where |fb|<0.5
    fbt = fb * (mag > 0.5).unsqueeze(1)
    out.append(f'fb>0.5 only cut {1-photometric_error(a, b, fbt)[0].mean()/z:+.3f}')
    # fb smoothed to 1/4 res
    fbl = torch.nn.functional.interpolate(torch.nn.functional.avg_pool2d(fb, 4), size=(96, 128), mode='bilinear')
    out.append(f'fb@1/4 cut {1-photometric_error(a, b, fbl)[0].mean()/z:+.3f}')
    print(' | '.join(out))
