"""Motion features of each level as video descriptors (paper 4.1, 4.3, A.1).

The motion features ``P^l`` of a level, averaged over time and space (and
over the clips of a video), describe a video. The paper probes them three
ways:

- efficacy score (section 4.1, Table 1): a lightweight classifier on the
  features; ``Score = Acc_train / (Acc_train - Acc_test)``;
- k-nearest-neighbour classification (appendix A.1, Table 5): majority class
  of the ``k`` nearest videos in l2 distance;
- retrieval (section 4.3, Fig. 4): the nearest videos of a query.
"""
import math
from typing import Dict, NamedTuple, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from ..models.utils import eval_mode

__all__ = [
    'MotionFeatures', 'extract_motion_features', 'nearest_neighbours',
    'knn_classify', 'retrieval', 'efficacy_score', 'train_linear_probe',
    'save_retrieval_examples'
]


class MotionFeatures(NamedTuple):
    """Per-video descriptors of a dataset.

    Attributes:
        features: ``{level: (V, C_p^level)}`` float32.
        labels: ``(V, )`` int64; ``-1`` for videos without a label.
        thumbnails: ``(V, s, s, 3)`` uint8 middle frames (first clip), or
            ``None`` when not requested.
    """
    features: Dict[int, np.ndarray]
    labels: np.ndarray
    thumbnails: Optional[np.ndarray]


def _check_levels(model: nn.Module, levels: Sequence[int]) -> Tuple[int, ...]:
    available = tuple(getattr(model.backbone, 'levels', ()))
    levels = tuple(levels)
    if not available:
        raise ValueError(f'{type(model.backbone).__name__} has no motion '
                         'blocks; motion features need an HCMLBackbone')
    if not levels or any(lv not in available for lv in levels):
        raise ValueError(f'levels must be a non-empty subset of the '
                         f'backbone levels {available}, got {levels!r}')
    return tuple(sorted(set(levels)))


@torch.no_grad()
def extract_motion_features(model: nn.Module,
                            dataloader: Sequence[dict],
                            levels: Sequence[int],
                            *,
                            thumbnail_size: Optional[int] = None,
                            progress: bool = True) -> MotionFeatures:
    """Global-average-pooled ``P^l`` of every video of ``dataloader``.

    ::

        batch -> data_preprocessor -> (N, V, 3, T, H, W) -> (N*V, 3, T, H, W)
          -> backbone (up to max(levels)) -> P^l (N*V, C, T_l, H_l, W_l)
          -> mean over T_l, H_l, W_l -> (N, V, C) -> mean over V -> (N, C)

    The model runs in eval mode; each submodule's mode is restored after.

    Args:
        model (nn.Module): An unwrapped :class:`HCMLRecognizer`.
        dataloader (Iterable[dict]): Yields MMAction2 batches
            (``inputs``, ``data_samples``).
        levels (Sequence[int]): Levels of the backbone's motion blocks.
        thumbnail_size (int, optional): Also keep the middle frame of each
            video, resized to this side. Defaults to ``None``.
        progress (bool): Show an MMEngine progress bar. Defaults to
            ``True``.

    Returns:
        MotionFeatures: features per level, labels, thumbnails.
    """
    from mmengine.utils import ProgressBar

    levels = _check_levels(model, levels)
    total = len(getattr(dataloader, 'dataset', ()))
    bar = ProgressBar(total) if progress and total else None
    feats = {level: [] for level in levels}
    labels, thumbs = [], []
    with eval_mode(model):
        for batch in dataloader:
            data = model.data_preprocessor(batch, False)
            inputs = data['inputs']  # (N, V, 3, T, H, W)
            n, views = inputs.shape[:2]
            clips = inputs.reshape((n * views, ) + inputs.shape[2:])
            _, motion = model.backbone(clips, return_motion=True,
                                       max_level=max(levels))
            for level in levels:
                pooled = motion[level].float().mean(dim=(2, 3, 4))
                feats[level].append(
                    pooled.view(n, views, -1).mean(1).cpu().numpy())
            for sample in data['data_samples']:
                gt = sample.get('gt_label', None)
                labels.append(int(gt.reshape(-1)[0]) if gt is not None
                              and gt.numel() else -1)
            if thumbnail_size is not None:
                middle = inputs[:, 0, :, inputs.shape[3] // 2]  # N,3,H,W
                frames = model.frames_in_unit_range(middle[:, :, None])[:, :,
                                                                        0]
                frames = F.interpolate(
                    frames.float(), size=(thumbnail_size, thumbnail_size),
                    mode='bilinear', align_corners=False)
                thumbs.append((frames.clamp(0, 1) * 255).round().to(
                    torch.uint8).permute(0, 2, 3, 1).cpu().numpy())
            if bar is not None:
                for _ in range(n):
                    bar.update()
    if bar is not None:
        print()
    return MotionFeatures(
        {lv: np.concatenate(f).astype(np.float32) for lv, f in feats.items()},
        np.asarray(labels, dtype=np.int64),
        np.concatenate(thumbs) if thumbs else None)


def _check_features(name: str, feats: np.ndarray) -> np.ndarray:
    feats = np.asarray(feats, dtype=np.float64)
    if feats.ndim != 2 or len(feats) == 0:
        raise ValueError(f'{name} must be a non-empty (num_videos, C) array, '
                         f'got shape {feats.shape!r}')
    return feats


def _check_labels(name: str, labels: np.ndarray, num: int) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.shape != (num, ) or not np.issubdtype(labels.dtype, np.integer)\
            or (labels < 0).any():
        raise ValueError(f'{name} must be {num} non-negative int labels, got '
                         f'{labels.dtype} array of shape {labels.shape!r}')
    return labels.astype(np.int64)


def nearest_neighbours(query_feats: np.ndarray,
                       gallery_feats: np.ndarray,
                       k: int,
                       *,
                       exclude_self: bool = False,
                       chunk_size: int = 256) -> np.ndarray:
    """Indices of the ``k`` nearest gallery videos in l2 distance.

    Equal distances keep gallery order (stable sort). Queries are processed
    ``chunk_size`` at a time, so memory is ``chunk_size x len(gallery)``.

    Args:
        query_feats (np.ndarray): ``(Q, C)``.
        gallery_feats (np.ndarray): ``(G, C)``.
        k (int): Neighbours per query, ``1 <= k <= G`` (``G - 1`` with
            ``exclude_self``).
        exclude_self (bool): Query ``i`` is gallery video ``i`` (the same
            set) and is not its own neighbour. Defaults to ``False``.
        chunk_size (int): Queries per distance block. Defaults to ``256``.

    Returns:
        np.ndarray: ``(Q, k)`` int64 indices, nearest first.
    """
    query = _check_features('query_feats', query_feats)
    gallery = _check_features('gallery_feats', gallery_feats)
    if query.shape[1] != gallery.shape[1]:
        raise ValueError(f'query and gallery widths differ: {query.shape!r} '
                         f'vs {gallery.shape!r}')
    if exclude_self and len(query) != len(gallery):
        raise ValueError('exclude_self needs query and gallery to be the same '
                         f'set, got {len(query)} and {len(gallery)} videos')
    limit = len(gallery) - int(exclude_self)
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= limit:
        raise ValueError(f'k must be an int in [1, {limit}], got {k!r}')
    gallery_t = torch.from_numpy(gallery)
    out = []
    for start in range(0, len(query), chunk_size):
        block = torch.from_numpy(query[start:start + chunk_size])
        dist = torch.cdist(block, gallery_t).numpy()
        if exclude_self:
            rows = np.arange(len(block))
            dist[rows, rows + start] = np.inf
        out.append(np.argsort(dist, axis=1, kind='stable')[:, :k])
    return np.concatenate(out).astype(np.int64)


def knn_classify(train_feats: np.ndarray,
                 train_labels: np.ndarray,
                 query_feats: np.ndarray,
                 k: int = 5) -> np.ndarray:
    """k-nearest-neighbour classification (appendix A.1, Table 5).

    Each query gets the majority class of its ``k`` nearest training videos
    (l2 distance); a tie between classes goes to the tied class whose member
    is nearest.

    Returns:
        np.ndarray: ``(Q, )`` int64 predicted labels.
    """
    train = _check_features('train_feats', train_feats)
    labels = _check_labels('train_labels', train_labels, len(train))
    neighbour_labels = labels[nearest_neighbours(query_feats, train, k)]
    preds = np.empty(len(neighbour_labels), dtype=np.int64)
    for i, row in enumerate(neighbour_labels):
        counts = np.bincount(row)
        tied = counts == counts.max()
        preds[i] = row[tied[row]][0]  # nearest neighbour among tied classes
    return preds


def retrieval(query_feats: np.ndarray,
              gallery_feats: np.ndarray,
              k: int = 5,
              *,
              exclude_self: bool = False) -> np.ndarray:
    """The ``k`` nearest gallery videos of each query (section 4.3, Fig. 4).

    See :func:`nearest_neighbours`; returns ``(Q, k)`` indices.
    """
    return nearest_neighbours(query_feats, gallery_feats, k,
                              exclude_self=exclude_self)


def efficacy_score(acc_train: float, acc_test: float,
                   min_gap: Optional[float] = None) -> float:
    """``Score = Acc_train / (Acc_train - Acc_test)`` (section 4.1).

    Higher is better: discriminative (high ``Acc_train``) and generalising
    (small gap). Rules where the formula breaks down:

    - ``acc_train == 0``: ``0.0`` (the features separate nothing);
    - otherwise a gap ``<= 0`` (test at least as good as train): ``math.inf``
      (no generalisation gap; the score is unbounded). No division by zero.
    - with ``min_gap``, the gap is floored at it instead (e.g. ``1 / N_test``,
      the resolution of the test accuracy), so that scores stay finite and
      can be averaged and bootstrapped.

    Args:
        acc_train (float): Top-1 training accuracy in ``[0, 1]``.
        acc_test (float): Top-1 test accuracy in ``[0, 1]``.
        min_gap (float, optional): Floor of the gap, ``> 0``. Defaults to
            ``None`` (no floor).
    """
    for name, value in (('acc_train', acc_train), ('acc_test', acc_test)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f'{name} must be a fraction in [0, 1] (not a '
                             f'percentage), got {value!r}')
    if min_gap is not None and not min_gap > 0:
        raise ValueError(f'min_gap must be > 0, got {min_gap!r}')
    if acc_train == 0:
        return 0.0
    gap = acc_train - acc_test
    if min_gap is not None:
        return acc_train / max(gap, min_gap)
    return math.inf if gap <= 0 else acc_train / gap


def train_linear_probe(train_feats: np.ndarray,
                       train_labels: np.ndarray,
                       test_feats: np.ndarray,
                       test_labels: np.ndarray,
                       epochs: int = 200,
                       lr: float = 0.05,
                       *,
                       weight_decay: float = 1e-4,
                       seed: int = 0) -> Tuple[float, float]:
    """The lightweight classifier of the efficacy score (section 4.1).

    Multinomial logistic regression on features standardised with the
    training statistics, trained full-batch with Adam for ``epochs`` steps.
    Deterministic given ``seed`` (its own generator; the global RNG is not
    touched).

    Returns:
        tuple[float, float]: ``(acc_train, acc_test)`` top-1 in ``[0, 1]``.
    """
    train = torch.from_numpy(_check_features('train_feats', train_feats))
    test = torch.from_numpy(_check_features('test_feats', test_feats))
    y_train = torch.from_numpy(
        _check_labels('train_labels', train_labels, len(train)))
    y_test = torch.from_numpy(
        _check_labels('test_labels', test_labels, len(test)))
    if train.shape[1] != test.shape[1]:
        raise ValueError(f'train and test widths differ: {tuple(train.shape)}'
                         f' vs {tuple(test.shape)}')
    if not isinstance(epochs, int) or epochs < 1 or not lr > 0:
        raise ValueError(f'epochs must be an int >= 1 and lr > 0, got '
                         f'epochs={epochs!r}, lr={lr!r}')
    mean, std = train.mean(0), train.std(0, unbiased=False) + 1e-6
    train, test = (train - mean) / std, (test - mean) / std
    num_classes = int(max(y_train.max(), y_test.max())) + 1
    gen = torch.Generator().manual_seed(seed)
    weight = (torch.randn(train.shape[1], num_classes, generator=gen,
                          dtype=train.dtype) * 0.01).requires_grad_()
    bias = torch.zeros(num_classes, dtype=train.dtype, requires_grad=True)
    optim = torch.optim.Adam([weight, bias], lr=lr,
                             weight_decay=weight_decay)
    with torch.enable_grad():
        for _ in range(epochs):
            optim.zero_grad()
            F.cross_entropy(train @ weight + bias, y_train).backward()
            optim.step()
    with torch.no_grad():
        acc_train = ((train @ weight + bias).argmax(1) == y_train).double()
        acc_test = ((test @ weight + bias).argmax(1) == y_test).double()
    return float(acc_train.mean()), float(acc_test.mean())


def save_retrieval_examples(out_file: str,
                            query_thumbs: np.ndarray,
                            gallery_thumbs: np.ndarray,
                            indices: np.ndarray,
                            query_labels: np.ndarray,
                            gallery_labels: np.ndarray,
                            class_names: Optional[Sequence[str]] = None,
                            *,
                            num_rows: int = 4,
                            panel_px: int = 96) -> Tuple[int, int]:
    """Save retrieval examples as in Fig. 4: query, then its neighbours.

    Each row is a query's middle frame followed by the middle frames of its
    ``k`` retrieved videos, each titled with its class name (green: same
    class as the query, red: another). Rows show queries of distinct classes
    (first query of each class, in order) up to ``num_rows``.

    Args:
        out_file (str): Output PNG.
        query_thumbs (np.ndarray): ``(Q, s, s, 3)`` uint8.
        gallery_thumbs (np.ndarray): ``(G, s, s, 3)`` uint8.
        indices (np.ndarray): ``(Q, k)`` from :func:`retrieval`.
        query_labels (np.ndarray): ``(Q, )``.
        gallery_labels (np.ndarray): ``(G, )``.
        class_names (Sequence[str], optional): Label names. Defaults to
            ``None`` (label numbers).
        num_rows (int): Most queries shown. Defaults to ``4``.
        panel_px (int): Panel side in pixels. Defaults to ``96``.

    Returns:
        tuple[int, int]: The PNG's ``(height, width)``.
    """
    from ._panels import save_panel_figure

    if len(indices) != len(query_thumbs) or num_rows < 1:
        raise ValueError(f'indices ({len(indices)} rows) must match '
                         f'query_thumbs ({len(query_thumbs)}) and num_rows '
                         f'must be >= 1, got {num_rows!r}')

    def name(label: int) -> str:
        if class_names is not None and 0 <= label < len(class_names):
            return str(class_names[label])
        return str(label)

    chosen, seen = [], set()
    for i, label in enumerate(query_labels):
        if int(label) not in seen:
            seen.add(int(label))
            chosen.append(i)
    chosen = (chosen + [i for i in range(len(indices))
                        if i not in chosen])[:num_rows]
    images, titles, colors = [], [], []
    for q in chosen:
        hits = [int(j) for j in indices[q]]
        images.append([query_thumbs[q]] + [gallery_thumbs[j] for j in hits])
        titles.append([f'query: {name(int(query_labels[q]))}'] +
                      [name(int(gallery_labels[j])) for j in hits])
        colors.append(['black'] + [
            'green' if gallery_labels[j] == query_labels[q] else 'red'
            for j in hits
        ])
    return save_panel_figure(out_file, images, titles, colors,
                             panel_px=panel_px)
