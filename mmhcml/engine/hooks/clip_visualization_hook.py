"""Draw test and validation predictions on the clips (``tools/test.py
--show`` / ``--show-dir``)."""
import inspect
import os.path as osp
from typing import Optional, Sequence

from mmaction.engine.hooks import VisualizationHook
from mmaction.registry import HOOKS
from .argument_check import check_known_arguments

__all__ = ['ClipVisualizationHook']

#: Arguments of ``ActionVisualizer.add_datasample`` the hook sets itself.
_SET_BY_HOOK = ('name', 'video', 'data_sample', 'step', 'show_frames',
                'wait_time', 'out_path', 'self')


def _check_draw_args(kwargs: dict) -> None:
    """``ValueError`` naming an argument ``add_datasample`` does not take
    (found when the hook is built, not at the first drawn clip)."""
    from mmaction.visualization import ActionVisualizer
    known = [
        name for name in inspect.signature(
            ActionVisualizer.add_datasample).parameters
        if name not in _SET_BY_HOOK
    ]
    check_known_arguments(
        kwargs, known, 'ClipVisualizationHook',
        '; it takes enable, interval, show, wait_time, out_dir and '
        f'ActionVisualizer.add_datasample\'s {", ".join(known)}')


@HOOKS.register_module()
class ClipVisualizationHook(VisualizationHook):
    """MMAction2's ``VisualizationHook`` for multi-view test pipelines.

    Every ``interval``-th clip is drawn with its label and predicted scores
    by the ``ActionVisualizer``: shown frame by frame (``show``) and/or saved
    under ``out_dir/<name>_<step>/`` (``name``: the video's file name when the
    data sample carries it, else the clip's index in the dataset). Multi-view inputs
    ``(views, C, T, H, W)`` (e.g. 10 clips x 3 crops) are drawn from their
    first view; the prediction is that of all views. MMAction2 1.2.0's own
    hook takes each input as ``(C, T, H, W)`` and passes ``show`` where the
    visualizer expects ``show_frames``; both are handled here.

    Args:
        enable (bool): Whether to draw at all. Defaults to False.
        interval (int): Draw every ``interval``-th clip. Defaults to 1.
        show (bool): Show the frames in a window. Defaults to False.
        wait_time (float): Seconds each shown frame stays. Defaults to 2.
        out_dir (str, optional): Where the drawn frames are saved; when
            ``None``, the visualizer's backends receive them.
        **kwargs: Passed to ``ActionVisualizer.add_datasample``.
    """

    def __init__(self,
                 enable: bool = False,
                 interval: int = 1,
                 show: bool = False,
                 wait_time: float = 2.,
                 out_dir: Optional[str] = None,
                 **kwargs) -> None:
        if not isinstance(interval, int) or interval < 1:
            raise ValueError(f'interval must be an int >= 1, got {interval!r}')
        if not isinstance(wait_time, (int, float)) or wait_time < 0:
            raise ValueError(f'wait_time must be a number >= 0, got '
                             f'{wait_time!r}')
        _check_draw_args(kwargs)
        super().__init__(enable=enable, interval=interval, show=show,
                         out_dir=out_dir)
        self.wait_time = wait_time
        self.draw_args = dict(kwargs)

    def _draw_samples(self,
                      batch_idx: int,
                      data_batch: dict,
                      data_samples: Sequence,
                      step: int = 0) -> None:
        if not self.enable:
            return
        start = len(data_samples) * batch_idx
        for offset, data_sample in enumerate(data_samples):
            index = start + offset
            if index % self.interval:
                continue
            video = data_batch['inputs'][offset]
            if video.dim() == 5:  # (views, C, T, H, W): the first view
                video = video[0]
            frames = video.permute(1, 2, 3, 0).cpu().numpy().astype('uint8')
            source = data_sample.get('filename', None) or data_sample.get(
                'frame_dir', None)
            name = osp.basename(str(source)) if source else str(index)
            out_path = None if self.out_dir is None else osp.join(
                self.out_dir, f'{name}_{step}')
            self._visualizer.add_datasample(
                name,
                video=frames,
                data_sample=data_sample,
                step=step,
                show_frames=self.show,
                wait_time=self.wait_time,
                out_path=out_path,
                **self.draw_args)
