"""mmhcml.cli.tool_args: the arguments the model tools share
(tools/analysis/*.py, tools/demo_video.py)."""
import pytest

from mmengine.config import Config

from mmhcml.cli.tool_args import (add_clip_args, fill_clip_args,
                                  model_tool_parser, parse_tool_args)

DOC = """Do something with a model.

    python tools/x.py CONFIG CHECKPOINT
"""


def test_the_model_comes_first_and_the_device_last():
    parser = model_tool_parser(DOC)
    assert parser.description == 'Do something with a model.'
    parser.add_argument('video')
    args = parse_tool_args(parser, ['c.py', 'k.pth', 'v.mp4',
                                    '--cfg-options', 'a.b=1', 'c=[1,2]'])
    assert (args.config, args.checkpoint, args.video) == ('c.py', 'k.pth',
                                                          'v.mp4')
    assert args.device == 'cpu'
    assert args.cfg_options == {'a.b': 1, 'c': [1, 2]}
    actions = [a.dest for a in parser._actions]
    assert actions[-2:] == ['device', 'cfg_options']


def test_cfg_options_can_be_left_out():
    parser = model_tool_parser(DOC)
    args = parse_tool_args(parser, ['c.py', 'k.pth', '--device', 'cuda:1'],
                           cfg_options=False)
    assert args.device == 'cuda:1' and not hasattr(args, 'cfg_options')
    with pytest.raises(SystemExit):
        parse_tool_args(model_tool_parser(DOC),
                        ['c.py', 'k.pth', '--cfg-options', 'x=1'],
                        cfg_options=False)


def test_clip_args_default_to_none_and_name_whose_pipeline():
    parser = model_tool_parser(DOC)
    add_clip_args(parser, "the HCML config's")
    args = parse_tool_args(parser, ['c.py', 'k.pth', '--size', '64'])
    assert (args.clip_len, args.size, args.frame_interval) == (None, 64,
                                                                None)
    helps = {a.dest: a.help for a in parser._actions}
    assert helps['clip_len'] == "default: the HCML config's clip length"
    assert "the HCML config's crop size" in helps['size']


def test_clip_args_left_out_come_from_the_config():
    parser = model_tool_parser(DOC)
    add_clip_args(parser)
    cfg = Config(dict(test_dataloader=dict(dataset=dict(pipeline=[
        dict(type='SampleFrames', clip_len=12, frame_interval=3),
        dict(type='Resize', scale=(-1, 128)),
        dict(type='CenterCrop', crop_size=(112, 96))]))))
    args = parse_tool_args(parser, ['c.py', 'k.pth', '--clip-len', '4'])
    # the crop is (w, h) = (112, 96): the square clip takes the short side
    assert fill_clip_args(args, cfg) == dict(frame_interval=3, size=96)
    assert (args.clip_len, args.frame_interval, args.size) == (4, 3, 96)
    # a model-only config: the synthetic benchmark's 8 frames of 64 px
    args = parser.parse_args(['c.py', 'k.pth'])
    assert fill_clip_args(args, Config(dict(model=dict()))) == dict(
        clip_len=8, frame_interval=1, size=64)
