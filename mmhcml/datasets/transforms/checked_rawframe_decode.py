"""MMAction2's ``RawFrameDecode`` that names the frame it cannot read.

With MMAction2's stock ``RawframeDataset`` and ``RawFrameDecode``, a
zero-byte or corrupt jpg ends in OpenCV's ``!_src.empty()`` assertion (or
an ``AttributeError`` on ``None``) a few transforms later, naming no file.
This transform is a drop-in replacement for ``RawFrameDecode`` in any
config, the user's own included::

    # instead of dict(type='RawFrameDecode'):
    dict(type='CheckedRawFrameDecode')

A missing, empty or undecodable frame raises
:class:`~mmhcml.datasets.UnreadableVideoError` naming the frame file and
its folder. The HCML datasets (``CheckedRawframeDataset``,
``UnlabelledVideoDataset``) name such frames with either transform.
"""
import os.path as osp

import numpy as np
from mmaction.datasets.transforms import RawFrameDecode
from mmaction.registry import TRANSFORMS

from ..rawframe_checks import first_bad_frame
from ..video_checks import UnreadableVideoError

__all__ = ['CheckedRawFrameDecode']


@TRANSFORMS.register_module()
class CheckedRawFrameDecode(RawFrameDecode):
    """``RawFrameDecode`` whose failures name the frame file.

    Before decoding (local files, RGB frames), every frame of the clip is
    checked to exist and not be empty; after decoding, a frame the decoder
    returned nothing for is named as not decodable. Arguments are
    ``RawFrameDecode``'s.
    """

    def transform(self, results: dict) -> dict:
        local = self.io_backend == 'disk' and results.get(
            'modality', 'RGB') == 'RGB'
        if not local:
            return super().transform(results)
        folder = results['frame_dir']
        tmpl = results['filename_tmpl']
        indices = np.asarray(results['frame_inds']).reshape(-1)
        offset = results.get('offset', 0)
        bad = first_bad_frame(folder, tmpl, indices, offset, decode=False)
        if bad is None:
            try:
                results = super().transform(results)
            except Exception as error:
                bad = first_bad_frame(folder, tmpl, indices, offset)
                if bad is None:
                    raise
                raise UnreadableVideoError(self._message(bad, folder)) \
                    from error
            frames = results['imgs']
            if all(frame is not None for frame in frames):
                return results
            index = next(i for i, f in enumerate(frames) if f is None)
            frame = osp.join(folder, tmpl.format(int(indices[index]) +
                                                 offset))
            bad = (frame, 'not a decodable image (corrupt or truncated)')
        raise UnreadableVideoError(self._message(bad, folder))

    @staticmethod
    def _message(bad, folder: str) -> str:
        return (f'cannot load frame {bad[0]!r} of rawframe folder '
                f'{folder!r}: it is {bad[1]}. Re-extract the folder\'s '
                'frames, or drop it from the list (CheckedRawframeDataset '
                'with skip_unreadable=True skips such folders in training).')
