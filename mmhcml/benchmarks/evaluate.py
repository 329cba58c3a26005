"""In-process evaluation for the synthetic benchmark study.

One decode of each split, then for every trained model: class scores from
one view or several distinct views (different 12-frame windows and different
64x64 crops of the 80x80 frames), and globally pooled level-``l`` features
(``Z^l`` for HCML models, ``F^l`` for the baseline; or the motion features
``P^l``) for the linear probes (:func:`ridge_probe`, :func:`probe_efficacy`). Scores of several views are averaged as
softmax probabilities, like the project's multi-view ``predict``.
"""
from typing import Dict, List, Sequence, Tuple

import numpy as np

from ..analysis.motion_features import efficacy_score

__all__ = ['read_split', 'view_offsets', 'ModelRunner', 'ridge_probe',
           'probe_efficacy']


def read_split(ann_file: str, video_root: str
               ) -> Tuple[np.ndarray, np.ndarray]:
    """Decode every video of an annotation list (decord, as in training).

    Returns:
        ``(frames, labels)``: ``(N, T, H, W, 3)`` uint8 and ``(N,)`` int.
    """
    import decord
    import os.path as osp
    clips, labels = [], []
    with open(ann_file, encoding='utf-8') as f:
        entries = [line.split() for line in f if line.strip()]
    for rel, label in entries:
        reader = decord.VideoReader(osp.join(video_root, rel))
        clips.append(reader.get_batch(list(range(len(reader)))).asnumpy())
        labels.append(int(label))
    return np.stack(clips), np.asarray(labels)


def view_offsets(num_frames: int, size: int, clip_len: int, crop: int,
                 windows: int, crops: int) -> List[Tuple[int, int, int]]:
    """Distinct views ``(t0, y0, x0)`` of a ``num_frames x size x size`` video.

    Windows start evenly from the first to the last possible frame (one
    window: the centre one); crops are the centre (1 crop) or the top-left,
    centre and bottom-right (3 crops) ``crop x crop`` squares.

    Raises:
        ValueError: If the views would not be distinct.
    """
    last_t, last_s = num_frames - clip_len, size - crop
    if last_t < 0 or last_s < 0:
        raise ValueError(f'a {clip_len}x{crop}x{crop} view does not fit in '
                         f'a {num_frames}x{size}x{size} video')
    if windows < 1 or windows > last_t + 1:
        raise ValueError(f'windows must be in [1, {last_t + 1}] for '
                         f'{num_frames}-frame videos and {clip_len}-frame '
                         f'clips, got {windows!r}')
    if crops not in (1, 3) or (crops == 3 and last_s < 2):
        raise ValueError(f'crops must be 1 or 3 (and 3 needs frames at least '
                         f'2 px larger than the crop), got {crops!r}')
    starts = ([last_t // 2] if windows == 1 else
              [round(k * last_t / (windows - 1)) for k in range(windows)])
    spots = ([last_s // 2] if crops == 1 else [0, last_s // 2, last_s])
    return [(t, s, s) for t in starts for s in spots]


class ModelRunner:
    """A trained model of the study, for scores and pooled level features.

    Args:
        config (str): Config file the model was trained with.
        checkpoint (str): Its checkpoint.
        levels (Sequence[int]): Levels whose pooled features to return.
        motion (bool): Return the motion features ``P^l`` of the Prime
            Motion Blocks instead of the level outputs ``Z^l``.

    A model without a classification head (a self-supervised stage) gives
    ``None`` for the scores.
    """

    def __init__(self, config: str, checkpoint: str,
                 levels: Sequence[int] = (1, 2, 3),
                 motion: bool = False) -> None:
        import torch
        from mmengine.config import Config
        from mmengine.runner import load_checkpoint

        from mmaction.registry import MODELS
        from mmaction.utils import register_all_modules
        register_all_modules(init_default_scope=True)
        import mmhcml  # noqa: F401  (registers the HCML modules)
        from ..models.backbones import level_features
        cfg = Config.fromfile(config)
        self.model = MODELS.build(cfg.model)
        load_checkpoint(self.model, checkpoint, map_location='cpu',
                        logger='silent')
        self.model.eval()
        self.levels = tuple(levels)
        self.motion = motion
        dp = self.model.data_preprocessor
        self.mean = dp.mean.reshape(1, 3, 1, 1, 1).float()
        self.std = dp.std.reshape(1, 3, 1, 1, 1).float()
        self.level_features = level_features
        self.torch = torch

    def forward(self, clips: np.ndarray) -> Tuple[np.ndarray,
                                                  Dict[int, np.ndarray]]:
        """Softmax scores and pooled level features of a batch of views.

        Args:
            clips: ``(B, T, H, W, 3)`` uint8 views.

        Returns:
            ``(probs, feats)``: ``(B, num_classes)`` (``None`` without a
            classification head) and ``{level: (B, C_l)}``.
        """
        torch = self.torch
        with torch.no_grad():
            x = torch.from_numpy(np.ascontiguousarray(clips)).permute(
                0, 4, 1, 2, 3).float()
            x = (x - self.mean) / self.std
            out, levels, motion = self.level_features(self.model.backbone, x)
            source = motion if self.motion else levels
            missing = sorted(set(self.levels) - set(source))
            if missing:
                raise ValueError(f'the model has no {"P" if self.motion else "Z"}'
                                 f' features at levels {missing}')
            feats = {lv: source[lv].mean(dim=(2, 3, 4)).numpy()
                     for lv in self.levels}
            probs = None
            if getattr(self.model, 'cls_head', None) is not None:
                logits = self.model.cls_head(out)
                probs = torch.softmax(logits, dim=1).numpy()
        return probs, feats

    def evaluate(self, frames: np.ndarray, views: List[Tuple[int, int, int]],
                 clip_len: int, crop: int, batch: int = 32
                 ) -> Tuple[np.ndarray, Dict[int, np.ndarray]]:
        """View-averaged probabilities, and the features of the first view.

        Args:
            frames: ``(N, T, H, W, 3)`` uint8 videos.
            views: ``(t0, y0, x0)`` of each view (:func:`view_offsets`).
            clip_len: Frames per view.
            crop: Side of each view.
            batch: Views per forward pass.

        Returns:
            ``(probs, feats)``: ``(N, num_classes)`` probabilities averaged
            over the views (``None`` without a classification head) and
            ``{level: (N, C_l)}`` of ``views[0]``.
        """
        total, feats = None, {}
        for k, (t0, y0, x0) in enumerate(views):
            part = frames[:, t0:t0 + clip_len, y0:y0 + crop, x0:x0 + crop]
            outs = [self.forward(part[i:i + batch])
                    for i in range(0, len(part), batch)]
            if outs[0][0] is not None:
                probs = np.concatenate([o[0] for o in outs])
                total = probs if total is None else total + probs
            if k == 0:
                feats = {lv: np.concatenate([o[1][lv] for o in outs])
                         for lv in self.levels}
        return (None if total is None else total / len(views)), feats


def ridge_probe(train_x: np.ndarray, train_y: np.ndarray, val_x: np.ndarray,
                val_y: np.ndarray, test_x: np.ndarray, num_classes: int,
                alphas: Sequence[float] = (0.1, 1.0, 10.0, 100.0, 1000.0)
                ) -> Tuple[np.ndarray, float]:
    """Linear (ridge) probe on standardised features; alpha chosen on val.

    Closed form ``W = (X^T X + alpha I)^-1 X^T Y`` on one-hot targets, with
    an unpenalised bias (the features are centred on the training mean).

    Returns:
        ``(test_scores, alpha)``: ``(N_test, num_classes)`` scores of the
        probe with the best val top-1, and that alpha.
    """
    mean = train_x.mean(0)
    std = train_x.std(0) + 1e-6

    def norm(x):
        return (x - mean) / std

    xt, xv, xs = norm(train_x), norm(val_x), norm(test_x)
    targets = np.eye(num_classes)[train_y]
    bias = targets.mean(0)
    gram = xt.T @ xt
    best = None
    for alpha in alphas:
        w = np.linalg.solve(gram + alpha * np.eye(len(gram)),
                            xt.T @ (targets - bias))
        acc = float(((xv @ w + bias).argmax(1) == val_y).mean())
        if best is None or acc > best[0]:
            best = (acc, alpha, w)
    _, alpha, w = best
    return xs @ w + bias, alpha


def probe_efficacy(train_x: np.ndarray, train_y: np.ndarray,
                   val_x: np.ndarray, val_y: np.ndarray, test_x: np.ndarray,
                   test_y: np.ndarray, num_classes: int) -> dict:
    """A light classifier on features, scored as in Table 1.

    The classifier is :func:`ridge_probe` (alpha chosen on val); its top-1
    on the training and test clips gives the efficacy score
    (:func:`~mmhcml.analysis.motion_features.efficacy_score`, the gap
    floored at ``1 / N_test``).

    Returns:
        dict: ``train_acc``, ``test_acc``, ``efficacy``, ``alpha`` and
        ``test_scores`` (``(N_test, num_classes)``, for bootstrap CIs).
    """
    scores, alpha = ridge_probe(train_x, train_y, val_x, val_y,
                                np.concatenate([train_x, test_x]),
                                num_classes)
    train_s, test_s = scores[:len(train_x)], scores[len(train_x):]
    train_acc = float((train_s.argmax(1) == train_y).mean())
    test_acc = float((test_s.argmax(1) == test_y).mean())
    return dict(train_acc=train_acc, test_acc=test_acc,
                efficacy=efficacy_score(train_acc, test_acc,
                                        min_gap=1.0 / len(test_y)),
                alpha=alpha, test_scores=test_s)
