"""The motion-feature study of a trained model (paper 4.1, 4.3, A.1).

For each level: extract per-video motion features of the training and
validation sets (both through the validation pipeline), then report

- k-NN accuracy (appendix A.1, Table 5): validation queries, the ``k``
  nearest training videos vote;
- linear-probe train / test accuracy and the efficacy score (4.1, Table 1);
- retrieval examples (4.3, Fig. 4): validation queries against the rest of
  the validation set (leave-one-out, so thumbnails are only kept for it).

Outputs in ``out_dir``: ``features_l{l}.npz`` (``train_features``,
``train_labels``, ``val_features``, ``val_labels``), ``retrieval_l{l}.png``
and ``motion_features.json``. ``math.inf`` efficacy scores are written as the
string ``"inf"`` (strict JSON has no infinity).
"""
import copy
import json
import math
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch.nn as nn
from mmengine.config import Config

from .motion_features import (MotionFeatures, efficacy_score,
                              extract_motion_features, knn_classify,
                              retrieval, save_retrieval_examples,
                              train_linear_probe)

__all__ = [
    'feature_dataloader_cfgs', 'read_class_names', 'analyse_motion_features'
]


def feature_dataloader_cfgs(cfg: Config) -> Tuple[dict, dict]:
    """Dataloader configs for the train and val sets, both with the val
    pipeline and an unshuffled sampler.

    The training set is the ``val_dataloader`` config (``test_dataloader``
    when there is none) with the ``ann_file`` and ``data_prefix`` of
    ``train_dataloader.dataset``.

    Raises:
        ValueError: If the config lacks a train or a val/test dataloader.
    """
    template = cfg.get('val_dataloader') or cfg.get('test_dataloader')
    train_cfg = cfg.get('train_dataloader')
    if template is None or train_cfg is None:
        raise ValueError('motion-feature analysis needs a config with a '
                         'train_dataloader and a val_dataloader (or '
                         'test_dataloader); a self-supervised stage has '
                         'none: take the data from a fine-tuning or joint '
                         'config (--data-config)')
    train_dataset = train_cfg['dataset']
    if 'ann_file' not in train_dataset:
        raise ValueError('train_dataloader.dataset has no ann_file (a '
                         f'wrapper such as {train_dataset.get("type")!r}?); '
                         'point it at a plain dataset')
    val = copy.deepcopy(template)
    val['sampler'] = dict(type='DefaultSampler', shuffle=False)
    train = copy.deepcopy(val)
    train['dataset']['ann_file'] = train_dataset['ann_file']
    if 'data_prefix' in train_dataset:
        train['dataset']['data_prefix'] = copy.deepcopy(
            train_dataset['data_prefix'])
    return train, val


def read_class_names(cfg: Config,
                     classes_file: Optional[str] = None
                     ) -> Optional[List[str]]:
    """Class names from ``classes_file`` or a ``classes.txt`` beside the
    training ``ann_file`` (as written by the synthetic benchmark)."""
    if classes_file is None:
        ann = cfg.get('train_dataloader', {}).get('dataset', {}).get(
            'ann_file')
        if not ann:
            return None
        classes_file = osp.join(osp.dirname(ann), 'classes.txt')
        if not osp.isfile(classes_file):
            return None
    elif not osp.isfile(classes_file):
        raise FileNotFoundError(f'classes file {classes_file!r} does not '
                                'exist')
    with open(classes_file) as f:
        return [line.strip() for line in f if line.strip()]


def _json_number(value: float):
    return 'inf' if math.isinf(value) else value


def analyse_motion_features(model: nn.Module,
                            cfg: Config,
                            levels: Sequence[int],
                            out_dir: str,
                            *,
                            k: int = 5,
                            probe_epochs: int = 200,
                            probe_lr: float = 0.05,
                            class_names: Optional[Sequence[str]] = None,
                            num_rows: int = 4,
                            progress: bool = True) -> Dict[str, object]:
    """Run the whole study and write its outputs (see module docstring).

    Args:
        model (nn.Module): An unwrapped :class:`HCMLRecognizer`.
        cfg (Config): Its config (data settings are read from it).
        levels (Sequence[int]): Levels with motion blocks.
        out_dir (str): Output directory (created).
        k (int): Neighbours for k-NN and retrieval. Defaults to ``5``.
        probe_epochs (int): Linear-probe steps. Defaults to ``200``.
        probe_lr (float): Linear-probe learning rate. Defaults to ``0.05``.
        class_names (Sequence[str], optional): For the retrieval figure.
        num_rows (int): Queries in each retrieval figure. Defaults to ``4``.
        progress (bool): Progress bars. Defaults to ``True``.

    Returns:
        dict: The JSON content: ``num_train``, ``num_val``, ``k`` and
        ``levels`` -> ``{level: {knn_acc, probe_acc_train, probe_acc_test,
        efficacy_score}}`` (accuracies in ``[0, 1]``), plus ``files``.
    """
    from mmengine.runner import Runner

    train_cfg, val_cfg = feature_dataloader_cfgs(cfg)
    os.makedirs(out_dir, exist_ok=True)
    sets: Dict[str, MotionFeatures] = {}
    for split, loader_cfg in (('train', train_cfg), ('val', val_cfg)):
        if progress:
            print(f'extracting level {list(levels)} motion features: {split}')
        loader = Runner.build_dataloader(loader_cfg)
        sets[split] = extract_motion_features(
            model, loader, levels, thumbnail_size=96 if split == 'val' else
            None, progress=progress)
    train, val = sets['train'], sets['val']
    for split, feats in sets.items():
        if (feats.labels < 0).any():
            raise ValueError(f'the {split} set has unlabelled videos; the '
                             'analysis needs labels for both sets')
    results: Dict[str, object] = dict(
        num_train=len(train.labels), num_val=len(val.labels), k=k,
        levels={}, files=[])
    for level in sorted(set(levels)):
        tr, va = train.features[level], val.features[level]
        npz = osp.join(out_dir, f'features_l{level}.npz')
        np.savez(npz, train_features=tr, train_labels=train.labels,
                 val_features=va, val_labels=val.labels)
        knn = knn_classify(tr, train.labels, va, k)
        acc_train, acc_test = train_linear_probe(
            tr, train.labels, va, val.labels, probe_epochs, probe_lr)
        score = efficacy_score(acc_train, acc_test)
        png = osp.join(out_dir, f'retrieval_l{level}.png')
        hits = retrieval(va, va, min(k, len(va) - 1), exclude_self=True)
        save_retrieval_examples(png, val.thumbnails, val.thumbnails, hits,
                                val.labels, val.labels, class_names,
                                num_rows=num_rows)
        knn_acc = float((knn == val.labels).mean())
        results['levels'][str(level)] = dict(
            knn_acc=knn_acc,
            probe_acc_train=acc_train,
            probe_acc_test=acc_test,
            efficacy_score=_json_number(score))
        results['files'] += [npz, png]
        print(f'level {level}: {k}-NN acc {100 * knn_acc:.1f}%, linear '
              f'probe train {100 * acc_train:.1f}% / test '
              f'{100 * acc_test:.1f}%, efficacy score {score:.3f}')
    json_file = osp.join(out_dir, 'motion_features.json')
    results['files'].append(json_file)
    with open(json_file, 'w') as f:
        json.dump(results, f, indent=2, allow_nan=False)
    return results
