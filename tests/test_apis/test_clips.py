"""Reading a clip from a video file (mmhcml.apis.clips)."""
import numpy as np
import pytest

from mmhcml.apis import read_video_clip


def test_clips_are_read_from_the_middle_short_side_resized_and_cropped(
        tmp_path):
    from mmhcml.datasets.synthetic_motion import write_video
    frames = np.zeros((12, 32, 64, 3), dtype=np.uint8)
    frames[:, :, 16:48, 0] = 250  # red: the centre half of a 2:1 video
    frames[..., 1] = (20 + 15 * np.arange(12)).reshape(12, 1, 1)  # green: t
    write_video(tmp_path / 'wide.mp4', frames)
    clip = read_video_clip(str(tmp_path / 'wide.mp4'), 4, 32,
                           frame_interval=2)
    assert clip.shape == (4, 32, 32, 3)
    assert clip[..., 0].min() > 200  # the crop is the centre
    # 7 frames span 4 frames at interval 2: from (12 - 7) // 2 = 2 on
    np.testing.assert_allclose(clip[..., 1].mean(axis=(1, 2)),
                               20 + 15 * np.array([2, 4, 6, 8]), atol=5)
    raw = read_video_clip(str(tmp_path / 'wide.mp4'), 12, 64)
    assert raw.shape == (12, 64, 64, 3)
    with pytest.raises(ValueError, match='has 12 frames.*needs 13'):
        read_video_clip(str(tmp_path / 'wide.mp4'), 7, 32, frame_interval=2)
