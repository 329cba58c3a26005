"""Strip the self-supervised side branch from a trained HCML model.

Section 3.3: "this self-supervised learning side branch is discarded after
training so that our final network can well maintain the efficiency at
runtime for inference". The flow estimator and the predictors
(``motion_heads``) never run in :meth:`HCMLRecognizer.predict`, so dropping
their weights changes no output::

    CONFIG + CHECKPOINT --(read by checkpoint_io.safe_load, keys checked
                           against the full model)
        -> deploy config      model.motion_heads = [], training hooks removed
        -> deploy checkpoint  state_dict without ``motion_heads.*``, meta kept
                              (+ ``hcml_deploy`` note), optimizer, message
                              hub and schedulers dropped
"""
import copy
import os
import os.path as osp
from typing import Dict, List, Mapping, Union

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from torch import Tensor

from ..engine.checkpoint_io import safe_load

__all__ = [
    'SIDE_BRANCH_PREFIX', 'deploy_config', 'strip_checkpoint',
    'strip_side_branch'
]

#: State-dict prefix of the side branch's weights.
SIDE_BRANCH_PREFIX = 'motion_heads.'

#: Hooks that only make sense while training the side branch or a stage.
_TRAINING_HOOKS = ('LoadStageCheckpointHook', 'ProgressiveFreezeHook',
                   'FlowVisualizationHook')


def deploy_config(cfg: Config) -> Config:
    """A copy of ``cfg`` whose model has no side branch.

    ``model.motion_heads`` is emptied and the training-only hooks
    (``LoadStageCheckpointHook``, ``ProgressiveFreezeHook``,
    ``FlowVisualizationHook``) are removed from ``custom_hooks``;
    ``default_scope`` and ``custom_imports`` are added when missing so the
    dumped file is self-contained.
    """
    cfg = copy.deepcopy(cfg)
    if cfg.model.get('type') != 'HCMLRecognizer':
        raise ValueError('the side branch lives in an HCMLRecognizer, got '
                         f'model type {cfg.model.get("type")!r}')
    if cfg.model.get('cls_head') is None:
        raise ValueError('a self-supervised stage config (no cls_head) has '
                         'nothing left to deploy without its side branch')
    cfg.model.motion_heads = []
    hooks = [h for h in cfg.get('custom_hooks', None) or []
             if h.get('type') not in _TRAINING_HOOKS]
    if 'custom_hooks' in cfg:
        cfg.custom_hooks = hooks
    if cfg.get('default_scope') is None:
        cfg.default_scope = 'mmaction'
    if cfg.get('custom_imports') is None:
        cfg.custom_imports = dict(imports=['mmhcml'],
                                  allow_failed_imports=False)
    return cfg


def _describe_keys(keys: List[str]) -> str:
    """All keys when few, else one ``prefix.* (count)`` per module."""
    if len(keys) <= 10:
        return ', '.join(sorted(keys))
    groups: Dict[str, int] = {}
    for key in sorted(keys):
        prefix = '.'.join(key.split('.')[:3])
        groups[prefix] = groups.get(prefix, 0) + 1
    return f'{len(keys)} keys under ' + ', '.join(
        f'{prefix}.* ({count})' for prefix, count in groups.items())


def _describe_mismatch(missing: List[str], unexpected: List[str]) -> str:
    parts = []
    if missing:
        parts.append(f'missing keys: {_describe_keys(missing)}')
    if unexpected:
        parts.append(f'unexpected keys: {_describe_keys(unexpected)}')
    return '; '.join(parts)


def strip_checkpoint(checkpoint: Mapping, model: torch.nn.Module,
                     path: str = '<checkpoint>') -> Dict:
    """Deploy checkpoint of a loaded MMEngine checkpoint.

    Args:
        checkpoint (Mapping): ``torch.load`` output with a ``state_dict``
            (or a bare state dict).
        model (nn.Module): The full model built from the training config;
            the checkpoint's keys must match it exactly.
        path (str): Shown in error messages. Defaults to
            ``'<checkpoint>'``.

    Returns:
        dict: ``meta`` (with an ``hcml_deploy`` note) and ``state_dict``.

    Raises:
        ValueError: The keys or shapes do not match ``model``.
    """
    state = checkpoint.get('state_dict', checkpoint)
    if not isinstance(state, Mapping) or not all(
            isinstance(v, Tensor) for v in state.values()):
        raise ValueError(f'{path} holds no state_dict of tensors')
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    if missing or unexpected:
        raise ValueError(f'{path} does not match the model of the config: '
                         + _describe_mismatch(missing, unexpected))
    wrong = [f'{k} {tuple(state[k].shape)} vs {tuple(v.shape)}'
             for k, v in expected.items() if state[k].shape != v.shape]
    if wrong:
        raise ValueError(f'{path} does not match the model of the config: '
                         f'shape mismatch (checkpoint vs model): '
                         + '; '.join(wrong[:10]))
    removed = [k for k in state if k.startswith(SIDE_BRANCH_PREFIX)]
    meta = dict(checkpoint.get('meta', None) or {})
    meta['hcml_deploy'] = (
        f'side branch stripped ({len(removed)} motion_heads.* tensors '
        'removed, HCML section 3.3); optimizer and message hub dropped')
    return dict(
        meta=meta,
        state_dict={k: v for k, v in state.items()
                    if not k.startswith(SIDE_BRANCH_PREFIX)})


def _num_params(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def strip_side_branch(config: Union[str, Config], checkpoint: str,
                      out_dir: str) -> Dict:
    """Write a deploy config and checkpoint without the side branch.

    Args:
        config (str | Config): Training config of the checkpoint.
        checkpoint (str): MMEngine checkpoint trained with ``config``.
        out_dir (str): Folder for ``<name>_deploy.py`` and
            ``<name>_deploy.pth``, ``<name>`` the checkpoint's file name.

    Returns:
        dict: ``config`` and ``checkpoint`` (written paths),
        ``params_before``/``params_after`` (model parameters) and
        ``removed_keys``.

    Raises:
        FileNotFoundError: ``checkpoint`` does not exist.
        UnsafeCheckpointError: The file holds objects weights-only loading
            refuses.
        UnreadableCheckpointError: The file is empty, truncated, not a torch
            checkpoint, or its state dict is not names -> finite tensors.
        ValueError: The checkpoint does not match the config's model.
    """
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {checkpoint!r}')
    cfg = config if isinstance(config, Config) else Config.fromfile(config)
    init_default_scope(cfg.get('default_scope', None) or 'mmaction')
    import mmhcml  # noqa: F401  (registers the models)
    from mmaction.registry import MODELS

    full_model = MODELS.build(copy.deepcopy(cfg.model))
    loaded = safe_load(checkpoint, map_location='cpu')
    deploy_ckpt = strip_checkpoint(loaded, full_model, checkpoint)
    dcfg = deploy_config(cfg)
    deploy_model = MODELS.build(copy.deepcopy(dcfg.model))
    deploy_model.load_state_dict(deploy_ckpt['state_dict'], strict=True)

    stem = osp.splitext(osp.basename(checkpoint))[0]
    paths = dict(config=osp.join(out_dir, f'{stem}_deploy.py'),
                 checkpoint=osp.join(out_dir, f'{stem}_deploy.pth'))
    if osp.exists(out_dir) and not osp.isdir(out_dir):
        raise ValueError(f'--out-dir must be a folder, got {out_dir!r}')
    os.makedirs(out_dir, exist_ok=True)
    dcfg.dump(paths['config'])
    tmp = f"{paths['checkpoint']}.tmp.{os.getpid()}"
    torch.save(deploy_ckpt, tmp)
    os.replace(tmp, paths['checkpoint'])
    state = loaded.get('state_dict', loaded)
    return dict(
        paths,
        params_before=_num_params(full_model),
        params_after=_num_params(deploy_model),
        removed_keys=sorted(set(state) - set(deploy_ckpt['state_dict'])))
