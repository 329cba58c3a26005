"""Arguments shared by the tools that run a trained model
(``tools/analysis/*.py``, ``tools/demo_video.py``)."""
import argparse
from typing import List, Optional

from mmengine.config import DictAction

__all__ = ['model_tool_parser', 'add_clip_args', 'parse_tool_args']


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
    :func:`mmhcml.apis.fill_clip_args`)."""
    parser.add_argument('--clip-len', type=int,
                        help=f'default: {config} clip length')
    parser.add_argument('--size', type=int,
                        help='short side resized to SIZE, centre crop '
                        f'SIZE x SIZE (default: {config} crop size)')
    parser.add_argument('--frame-interval', type=int,
                        help=f'default: {config} frame interval')


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
