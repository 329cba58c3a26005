"""RandomCameraMotion: a crop window that pans at a constant speed."""
import numpy as np
import pytest

from mmaction.registry import TRANSFORMS


def _frames(num, height=20, width=24):
    """Frames whose pixel value encodes its (row, column): row * 100 + col."""
    grid = (np.arange(height)[:, None] * 100 + np.arange(width)[None, :])
    return [np.repeat(grid[..., None], 3, axis=2).astype(np.int32)
            for _ in range(num)]


def test_window_moves_by_constant_velocity_and_content_flows_back():
    transform = TRANSFORMS.build(
        dict(type='RandomCameraMotion', crop_size=(8, 10), max_speed=2,
             prob=1.0))
    np.random.seed(3)
    results = transform(dict(imgs=_frames(4), img_shape=(20, 24),
                             clip_len=4))
    (vx, vy), = results['camera_motion']
    assert results['img_shape'] == (8, 10)
    first = results['imgs'][0][..., 0]
    for t, img in enumerate(results['imgs']):
        assert img.shape == (8, 10, 3)
        # the window's top-left pixel moved by t * (vx, vy)
        assert img[0, 0, 0] == first[0, 0] + 100 * vy * t + vx * t
    # optical flow from frame 0 to 1 is (-vx, -vy): frame0(y, x) equals
    # frame1(y - vy, x - vx) wherever both are inside the crop
    y, x = 4, 5
    assert results['imgs'][0][y, x, 0] == results['imgs'][1][y - vy, x - vx, 0]


def test_prob_zero_gives_a_still_crop():
    transform = TRANSFORMS.build(
        dict(type='RandomCameraMotion', crop_size=8, prob=0.0))
    results = transform(dict(imgs=_frames(6), img_shape=(20, 24),
                             clip_len=3))
    assert (results['camera_motion'] == 0).all()
    assert len(results['imgs']) == 6
    for start in (0, 3):
        clip = results['imgs'][start:start + 3]
        assert all((img == clip[0]).all() for img in clip)


def test_speed_is_limited_by_the_room_to_travel():
    transform = TRANSFORMS.build(
        dict(type='RandomCameraMotion', crop_size=(16, 20), max_speed=8,
             prob=1.0))
    for seed in range(20):
        np.random.seed(seed)
        results = transform(dict(imgs=_frames(5), img_shape=(20, 24),
                                 clip_len=5))
        vx, vy = results['camera_motion'][0]
        assert abs(vy) * 4 <= 4 and abs(vx) * 4 <= 4
        assert all(img.shape == (16, 20, 3) for img in results['imgs'])


@pytest.mark.parametrize('kwargs, match', [
    (dict(crop_size=0), 'crop_size'),
    (dict(crop_size=8, max_speed=-1), 'max_speed'),
    (dict(crop_size=8, prob=1.5), 'prob'),
])
def test_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TRANSFORMS.build(dict(type='RandomCameraMotion', **kwargs))


def test_rejects_crop_larger_than_frames_and_broken_clips():
    transform = TRANSFORMS.build(dict(type='RandomCameraMotion', crop_size=30))
    with pytest.raises(ValueError, match='larger than the frames'):
        transform(dict(imgs=_frames(2), img_shape=(20, 24), clip_len=2))
    transform = TRANSFORMS.build(dict(type='RandomCameraMotion', crop_size=8))
    with pytest.raises(ValueError, match='whole number of clips'):
        transform(dict(imgs=_frames(5), img_shape=(20, 24), clip_len=2))
