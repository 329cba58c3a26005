"""Translating textures: clips whose true flow is known."""
import numpy as np
import pytest
import torch

from mmhcml.datasets.translating_textures import render_translating_textures
from mmhcml.models.ops import backward_warp


def test_frames_are_the_previous_frame_shifted_by_the_flow():
    data = render_translating_textures(6, clip_len=3, size=24, max_shift=3,
                                       seed=0)
    assert data.clips.shape == (6, 3, 24, 24, 3) and data.clips.dtype == np.uint8
    for clip, (u, v) in zip(data.clips, data.flow.astype(int)):
        # frame t(y, x) == frame t+1(y + v, x + u) (backward-warp convention)
        for t in range(2):
            a, b = clip[t], clip[t + 1]
            ys = slice(max(0, -v), 24 - max(0, v))
            xs = slice(max(0, -u), 24 - max(0, u))
            ys2 = slice(ys.start + v, ys.stop + v)
            xs2 = slice(xs.start + u, xs.stop + u)
            np.testing.assert_array_equal(a[ys, xs], b[ys2, xs2])


def test_backward_warp_with_true_flow_reconstructs_the_frame():
    data = render_translating_textures(4, clip_len=2, size=32, max_shift=2,
                                       seed=1)
    frames = torch.from_numpy(data.clips).float().permute(0, 1, 4, 2, 3)
    flow = torch.from_numpy(data.flow)[:, :, None, None].expand(-1, 2, 32, 32)
    warped, mask = backward_warp(frames[:, 1], flow.contiguous())
    inner = mask.bool().expand_as(warped)
    torch.testing.assert_close(warped[inner], frames[:, 0][inner])


def test_seeded_and_validated():
    a = render_translating_textures(2, size=16, seed=5)
    b = render_translating_textures(2, size=16, seed=5)
    np.testing.assert_array_equal(a.clips, b.clips)
    with pytest.raises(ValueError, match='max_shift'):
        render_translating_textures(2, max_shift=-1)
