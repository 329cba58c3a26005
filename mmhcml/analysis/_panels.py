"""A grid of titled image panels of an exact pixel size (matplotlib Agg).

Used by the retrieval (Fig. 4) and Grad-CAM (Fig. 5) figures. Each row is an
optional row-title band followed by a band of panel titles and the panels::

    +--------------------------------------+  row_title_px (optional)
    | title | title | title | ...          |  title_px
    | image | image | image | ...          |  panel_px
    +--------------------------------------+
"""
import os
import os.path as osp
from typing import Optional, Sequence, Tuple

import numpy as np

__all__ = ['panel_figure_size', 'save_panel_figure']


def panel_figure_size(num_rows: int, num_cols: int, panel_px: int,
                      title_px: int, row_title_px: int = 0
                      ) -> Tuple[int, int]:
    """``(height, width)`` in pixels of :func:`save_panel_figure`'s PNG."""
    return (num_rows * (row_title_px + title_px + panel_px),
            num_cols * panel_px)


def save_panel_figure(out_file: str,
                      images: Sequence[Sequence[np.ndarray]],
                      titles: Sequence[Sequence[str]],
                      title_colors: Sequence[Sequence[str]],
                      *,
                      panel_px: int = 96,
                      title_px: int = 16,
                      row_titles: Optional[Sequence[str]] = None,
                      row_title_colors: Optional[Sequence[str]] = None,
                      row_title_px: int = 20,
                      dpi: int = 100) -> Tuple[int, int]:
    """Save rows of RGB images with titles as one PNG.

    Args:
        out_file (str): Output PNG (parent directories are created).
        images (Sequence[Sequence[np.ndarray]]): Rows of ``(H, W, 3)``
            uint8 RGB images; rows may be shorter than the longest one.
        titles (Sequence[Sequence[str]]): A title per image.
        title_colors (Sequence[Sequence[str]]): A matplotlib colour per title.
        panel_px (int): Side of each (square) panel. Defaults to ``96``.
        title_px (int): Height of each title band. Defaults to ``16``.
        row_titles (Sequence[str], optional): A title per row, drawn above
            it. Defaults to ``None`` (no row-title band).
        row_title_colors (Sequence[str], optional): Their colours.
        row_title_px (int): Height of a row-title band. Defaults to ``20``.
        dpi (int): Pixels per inch of the figure. Defaults to ``100``.

    Returns:
        tuple[int, int]: The PNG's ``(height, width)``, as given by
        :func:`panel_figure_size`.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not images or any(len(row) == 0 for row in images):
        raise ValueError('images must be non-empty rows of images, got '
                         f'{[len(row) for row in images]!r}')
    rows, cols = len(images), max(len(row) for row in images)
    band = 0 if row_titles is None else row_title_px
    height, width = panel_figure_size(rows, cols, panel_px, title_px, band)
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    FigureCanvasAgg(fig)
    font_pt = 0.5 * title_px * 72 / dpi
    top = height
    for r, row in enumerate(images):
        if row_titles is not None:
            color = row_title_colors[r] if row_title_colors else 'black'
            fig.text(0.005, (top - band / 2) / height, row_titles[r],
                     color=color, fontsize=0.6 * band * 72 / dpi,
                     ha='left', va='center', weight='bold')
            top -= band
        for c, image in enumerate(row):
            left = c * panel_px / width
            fig.text(left + panel_px / width / 2,
                     (top - title_px / 2) / height, titles[r][c],
                     color=title_colors[r][c], fontsize=font_pt,
                     ha='center', va='center', clip_on=True)
            ax = fig.add_axes((left, (top - title_px - panel_px) / height,
                               panel_px / width, panel_px / height))
            ax.imshow(image, interpolation='nearest', aspect='auto')
            ax.set_axis_off()
        top -= title_px + panel_px
    parent = osp.dirname(out_file)
    if parent:
        os.makedirs(parent, exist_ok=True)
    fig.savefig(out_file, dpi=dpi)
    return height, width
