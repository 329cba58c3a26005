"""Flow colour coding (Middlebury wheel) and the image grids of Fig. 3
(mmhcml.visualization.flow_colors)."""
import numpy as np
import pytest
import torch

from mmhcml.visualization import (flow_to_color, flow_video_frames,
                                  make_color_wheel)


def constant_flow(u, v):
    return np.array([u, v], dtype=np.float64).reshape(2, 1, 1)


def test_color_wheel_is_middlebury():
    wheel = make_color_wheel()
    assert wheel.shape == (55, 3)
    # segment starts: red, yellow, green, cyan, blue, magenta
    starts = {0: (255, 0, 0), 15: (255, 255, 0), 21: (0, 255, 0),
              25: (0, 255, 255), 36: (0, 0, 255), 49: (255, 0, 255)}
    for index, rgb in starts.items():
        assert tuple(wheel[index]) == rgb, index
    assert tuple(wheel[13]) == (255, 221, 0)  # RY ramp: floor(255 * 13/15)
    assert tuple(wheel[54]) == (255, 0, 43)  # MR ramp: 255 - floor(255*5/6)


@pytest.mark.parametrize('flow, expected', [
    ((1.0, 0.0), (255, 0, 0)),  # right: angle 0 -> wheel[0], red
    ((1.0, -0.0), (255, 0, 0)),  # the sign of a zero v does not matter
    ((0.0, 1.0), (255, 229, 0)),  # down: between wheel[13] and wheel[14]
    ((-1.0, 0.0), (0, 209, 255)),  # left: wheel[27]
    ((0.0, -1.0), (88, 0, 255)),  # up: between wheel[40] and wheel[41]
])
def test_unit_flow_renders_the_wheel_colour_of_its_angle(flow, expected):
    assert tuple(flow_to_color(constant_flow(*flow))[0, 0]) == expected
    # scaling the flow and max_flow together changes nothing
    scaled = constant_flow(3 * flow[0], 3 * flow[1])
    assert tuple(flow_to_color(scaled, max_flow=3.0)[0, 0]) == expected


def test_magnitude_sets_saturation():
    assert tuple(flow_to_color(np.zeros((2, 4, 5)))[0, 0]) == (255, 255, 255)
    half = flow_to_color(constant_flow(0.5, 0.0), max_flow=1.0)
    assert tuple(half[0, 0]) == (255, 127, 127)
    beyond = flow_to_color(constant_flow(2.0, 0.0), max_flow=1.0)
    assert tuple(beyond[0, 0]) == (191, 0, 0)  # darkened to 75 %
    unknown = flow_to_color(constant_flow(np.nan, 0.0))
    assert tuple(unknown[0, 0]) == (0, 0, 0)
    # one scale for a whole batch: the larger flow saturates, the other not
    batch = np.stack([constant_flow(1.0, 0), constant_flow(2.0, 0)])
    colors = flow_to_color(torch.from_numpy(batch))
    assert colors.shape == (2, 1, 1, 3)
    assert tuple(colors[1, 0, 0]) == (255, 0, 0)
    assert tuple(colors[0, 0, 0]) == (255, 127, 127)
    with pytest.raises(ValueError, match='max_flow'):
        flow_to_color(constant_flow(1, 0), max_flow=0)


def test_video_frames_show_each_level_pair_covering_the_frame():
    frames = np.zeros((8, 4, 4, 3), dtype=np.uint8)
    directions = [(1, 0), (0, 1), (-1, 0), (0, -1)]

    def level(num_pairs, stride):
        flow = np.stack([np.broadcast_to(constant_flow(
            *directions[i % 4]), (2, 4, 4)) for i in range(num_pairs)])
        return flow, tuple((stride * i, stride * (i + 1))
                           for i in range(num_pairs))

    flows = {1: level(7, 1), 2: level(3, 2)}
    video = flow_video_frames(frames, flows)
    assert video.shape == (7, 4, 12, 3)
    wheel = {d: tuple(flow_to_color(constant_flow(*d))[0, 0])
             for d in directions}
    for t in range(7):
        assert tuple(video[t, 0, 4]) == wheel[directions[t % 4]]
        # level 2 pairs (0, 2), (2, 4), (4, 6); frame 6 keeps the last
        pair = min(t // 2, 2)
        assert tuple(video[t, 0, 8]) == wheel[directions[pair]], t
