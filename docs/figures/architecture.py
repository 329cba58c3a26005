"""Draw the HCML architecture of the README's Overview (docs/figures/architecture.png).

Paper, section 3 (BMVC 2021): Prime Motion Blocks (PMB, Eq. 1 cost volume) after
res2, res3 and res4 of the backbone give the motion features P^l of levels 1-3 from
F^l; the fuse g^l adds them back, Z^l = F^l + g^l(P^l) (section 3.3). The
self-supervised side branch (flow reconstruction at level 1, Eq. 2-3; contrastive
prediction of the lower level's future motion at levels 2 and 3, Eq. 4) trains the
motion features progressively, stage 1, 2, 3, then joint training with Eq. 5, and is
dropped at inference.

Usage: ``python docs/figures/architecture.py [--out PATH]``.
"""
import argparse
import os.path as osp

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyBboxPatch  # noqa: E402

# one colour per training stage; the backbone parts trained in that stage share it
STAGE_COLOURS = {
    1: '#cfe2f3',   # stage 1: stem, res2, PMB-1, flow head
    2: '#d9ead3',   # stage 2: res3, PMB-2, level-2 predictors
    3: '#fff2cc',   # stage 3: res4, PMB-3, level-3 predictors
    4: '#f4cccc',   # joint only: res5, classifier
}
GREY = '#eeeeee'


def box(ax, x, y, w, h, text, colour, fontsize=9, bold=False, dashed=False,
        edge='#333333'):
    """A rounded box centred at (x, y) with centred text."""
    patch = FancyBboxPatch(
        (x - w / 2, y - h / 2), w, h, boxstyle='round,pad=0.02,rounding_size=0.08',
        facecolor=colour, edgecolor=edge, linewidth=1.2,
        linestyle='--' if dashed else '-')
    ax.add_patch(patch)
    ax.text(x, y, text, ha='center', va='center', fontsize=fontsize,
            fontweight='bold' if bold else 'normal')
    return patch


def arrow(ax, start, end, colour='#333333', style='-|>', dashed=False, text=None,
          text_offset=(0.0, 0.12), fontsize=8, connection='arc3'):
    """An arrow from start to end, optionally labelled at its middle."""
    ax.annotate('', xy=end, xytext=start, arrowprops=dict(
        arrowstyle=style, color=colour, lw=1.2, shrinkA=0, shrinkB=0,
        linestyle='--' if dashed else '-', connectionstyle=connection))
    if text:
        mx = (start[0] + end[0]) / 2 + text_offset[0]
        my = (start[1] + end[1]) / 2 + text_offset[1]
        ax.text(mx, my, text, ha='center', va='center', fontsize=fontsize,
                color=colour, zorder=5, bbox=dict(facecolor='white',
                                                  edgecolor='none', pad=0.3))


def draw(out):
    fig, ax = plt.subplots(figsize=(15, 8.4))
    ax.set_xlim(0, 15)
    ax.set_ylim(0, 8.4)
    ax.axis('off')

    y_main = 7.0     # backbone row
    y_fuse = 7.0
    y_pmb = 5.45     # prime motion blocks
    y_head = 3.65    # side-branch heads
    bw, bh = 1.05, 0.7

    ax.text(0.1, 8.15, 'HCML: Hierarchical Contrastive Motion Learning '
            '(BMVC 2021, section 3)', fontsize=13, fontweight='bold', va='center')

    # ---- backbone: clip -> stem -> res2 -> (+) -> res3 -> (+) -> res4 -> (+) -> res5
    box(ax, 0.75, y_main, 1.1, bh, 'clip\n(N, 3, T, H, W)', GREY, fontsize=8)
    box(ax, 2.05, y_main, 0.9, bh, 'stem', STAGE_COLOURS[1])
    xs_res = [3.35, 6.35, 9.35]       # res2, res3, res4
    xs_fuse = [4.55, 7.55, 10.55]     # the (+) of Z^l = F^l + g^l(P^l)
    x_res5 = 12.0
    arrow(ax, (1.3, y_main), (2.05 - 0.45, y_main))
    arrow(ax, (2.05 + 0.45, y_main), (xs_res[0] - bw / 2, y_main))
    for level, (xr, xf) in enumerate(zip(xs_res, xs_fuse), start=1):
        box(ax, xr, y_main, bw, bh, f'res{level + 1}', STAGE_COLOURS[level],
            bold=True)
        # F^l to the fuse and down to the PMB
        arrow(ax, (xr + bw / 2, y_main), (xf - 0.17, y_fuse),
              text=f'$F^{level}$', text_offset=(0.0, 0.16))
        ax.add_patch(plt.Circle((xf, y_fuse), 0.17, facecolor='white',
                                edgecolor='#333333', lw=1.2))
        ax.text(xf, y_fuse, '+', ha='center', va='center', fontsize=12)
        nxt = xs_res[level] - bw / 2 if level < 3 else x_res5 - bw / 2
        arrow(ax, (xf + 0.17, y_fuse), (nxt, y_main), text=f'$Z^{level}$',
              text_offset=(0.0, 0.16))
        # PMB: 1x1x1 reduction C/beta, cosine cost volume of (F_t, F_t+1), Eq. 1
        xp = (xr + xf) / 2
        arrow(ax, (xr + 0.25, y_main - bh / 2), (xp - 0.2, y_pmb + 0.5))
        box(ax, xp, y_pmb, 1.95, 1.0,
            f'Prime Motion Block {level}\n1x1x1 conv (C/$\\beta$)\n'
            'cost volume, Eq. 1\n$(\\tilde F_t, \\tilde F_{t+1})$ -> $P^' +
            f'{level}$', STAGE_COLOURS[level], fontsize=8)
        # the fuse g^l: P^l back into the backbone
        arrow(ax, (xp + 0.55, y_pmb + 0.5), (xf, y_fuse - 0.17),
              text=f'$g^{level}(P^{level})$', text_offset=(0.42, -0.05))

    box(ax, x_res5, y_main, bw, bh, 'res5', STAGE_COLOURS[4], bold=True)
    box(ax, 13.85, y_main, 1.45, bh, 'pool + fc\nclassifier', STAGE_COLOURS[4],
        fontsize=8)
    arrow(ax, (x_res5 + bw / 2, y_main), (13.85 - 0.725, y_main))
    ax.text(13.85, y_main - 0.62, '$L_{cls}$', ha='center', fontsize=10)

    # ---- self-supervised side branch (training only)
    side = FancyBboxPatch((1.45, 2.55), 10.9, 2.0,
                          boxstyle='round,pad=0.02,rounding_size=0.1',
                          facecolor='none', edgecolor='#888888', lw=1.2,
                          linestyle='--')
    ax.add_patch(side)
    ax.text(9.4, 2.72, 'self-supervised side branch: training only, '
            'dropped at inference (section 3.3)', ha='center', fontsize=8,
            color='#555555', style='italic')

    xp = [(r + f) / 2 for r, f in zip(xs_res, xs_fuse)]
    box(ax, xp[0], y_head, 2.4, 1.05,
        'flow reconstruction head\n5 dense convs -> flow $(U, V)$\n'
        'warp $I_{t+1}$ -> $\\hat I_t$\n'
        '$L_{rec}$ = Eq. 2 + $\\zeta$ Eq. 3', STAGE_COLOURS[1], fontsize=8)
    for level in (2, 3):
        box(ax, xp[level - 1], y_head, 2.4, 1.05,
            f'contrastive motion head {level}\n'
            f'$\\hat P^{level - 1}_{{t+\\delta}} = '
            f'f_\\delta([P^{level}_t, P^{level - 1}_t])$\n'
            f'InfoNCE, Eq. 4: $L_{{con}}^{level}$', STAGE_COLOURS[level],
            fontsize=8)
    for level in (1, 2, 3):
        arrow(ax, (xp[level - 1], y_pmb - 0.5), (xp[level - 1], y_head + 0.53),
              text=f'$P^{level}$', text_offset=(0.2, 0.0))
    # the lower level's motion, pooled and detached, is the contrastive target
    for level in (2, 3):
        arrow(ax, (xp[level - 2] + 0.98, y_pmb - 0.2),
              (xp[level - 1] - 1.2, y_head + 0.2), dashed=True,
              colour='#555555',
              text=f'$P^{level - 1}$: pooled,\ndetached;\ncondition\n+ target',
              text_offset=(-0.42, -0.12), fontsize=7)
    # frames to the flow head (photometric loss compares frames)
    arrow(ax, (0.75, y_main - bh / 2), (xp[0] - 1.2, y_head - 0.1), dashed=True,
          colour='#555555', text='frames $I_t$', text_offset=(-0.35, -0.25),
          connection='arc3,rad=0.25')

    # ---- progressive training (section 3.2) then joint training (Eq. 5)
    ax.text(0.1, 1.95, 'Training schedule (section 3.2, appendix D.2)',
            fontsize=10, fontweight='bold', va='center')
    stages = [
        ('stage 1', 'stem, res2, PMB-1,\nflow head: $L_{rec}$', STAGE_COLOURS[1]),
        ('stage 2', 'res3, PMB-2, head 2: $L_{con}^2$\nlevel 1 frozen',
         STAGE_COLOURS[2]),
        ('stage 3', 'res4, PMB-3, head 3: $L_{con}^3$\nlevels 1-2 frozen',
         STAGE_COLOURS[3]),
        ('joint', 'everything, labelled clips, Eq. 5:\n$L_{cls} + \\lambda L_{rec}'
         ' + \\sum_l \\gamma^l L_{con}^l$', STAGE_COLOURS[4]),
    ]
    xs = [1.75, 5.05, 8.35, 11.95]
    widths = [2.9, 2.9, 2.9, 3.6]
    for i, ((name, text, colour), x, w) in enumerate(zip(stages, xs, widths)):
        box(ax, x, 1.05, w, 1.0, f'{name}\n{text}', colour, fontsize=8)
        if i < 3:
            arrow(ax, (x + w / 2, 1.05), (xs[i + 1] - widths[i + 1] / 2, 1.05))
    ax.text(7.5, 0.25, 'stages 1-3: unlabelled clips, one level at a time, the '
            'lower levels frozen; each stage loads the previous one. '
            'Inference keeps the backbone, the PMBs and $g^l$ only.',
            ha='center', fontsize=8, color='#333333')

    fig.savefig(out, dpi=110, bbox_inches='tight')
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default=osp.join(osp.dirname(
        osp.abspath(__file__)), 'architecture.png'))
    args = parser.parse_args()
    draw(args.out)
    print(args.out)


if __name__ == '__main__':
    main()
