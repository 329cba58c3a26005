"""Arguments shared by the tools that run a trained model
(``tools/analysis/*.py``, ``tools/demo_video.py``): the model, the clip
(:func:`add_clip_args`, filled in from the config by
:func:`fill_clip_args`) and the device."""
import argparse
from typing import List, Optional

from mmengine.config import Config, DictAction

from ..apis.clips import NO_PIPELINE_CLIP, pipeline_clip

__all__ = [
    'model_tool_parser', 'add_clip_args', 'fill_clip_args', 'parse_tool_args'
]


def model_tool_parser(doc: str) -> argparse.ArgumentParser:
    """A parser described by the first line of ``doc`` (the tool's module
    docstring) whose first arguments are the model: ``config`` and
    ``checkpoint``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    return parser


def add_clip_args(parser: argparse.ArgumentParser,
                  config: str = "the config's") -> None:
    """``--clip-len``, ``--size`` and ``--frame-interval`` of the clip read
    from a video, each defaulting to ``config``'s pipeline (filled in by
    :func:`fill_clip_args`)."""
    parser.add_argument('--clip-len', type=int,
                        help=f'default: {config} clip length')
    parser.add_argument('--size', type=int,
                        help='short side resized to SIZE, centre crop '
                        f'SIZE x SIZE (default: {config} crop size)')
    parser.add_argument('--frame-interval', type=int,
                        help=f'default: {config} frame interval')


def fill_clip_args(args: argparse.Namespace, cfg: Config) -> dict:
    """Fill ``args.clip_len`` / ``frame_interval`` / ``size`` left ``None``
    from :func:`mmhcml.apis.pipeline_clip` (square ``size``: the crop's
    short side), or from :data:`mmhcml.apis.NO_PIPELINE_CLIP` when the
    config has no pipeline.

    Returns:
        dict: What was filled in, by argument name.
    """
    names = ('clip_len', 'frame_interval', 'size')
    if all(getattr(args, n, None) is not None for n in names):
        return {}
    try:
        clip = pipeline_clip(cfg)
        clip['size'] = min(clip['size'])
    except ValueError:
        # a model-only config (no pipelines): the synthetic benchmark's clips
        clip = dict(NO_PIPELINE_CLIP)
    filled = {}
    for name in names:
        if getattr(args, name, None) is None:
            setattr(args, name, clip[name])
            filled[name] = clip[name]
    return filled


def parse_tool_args(parser: argparse.ArgumentParser,
                    argv: Optional[List[str]] = None,
                    cfg_options: bool = True) -> argparse.Namespace:
    """Add ``--device`` (default ``cpu``) and, with ``cfg_options``,
    ``--cfg-options`` (key=value overrides of the config) as the last
    arguments; parse ``argv``."""
    parser.add_argument('--device', default='cpu')
    if cfg_options:
        parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)
