"""Refuse a checkpoint of another model (``load_from``, ``--resume``, test).

MMEngine loads checkpoints with ``strict=False``: a checkpoint of another
model (a baseline R2D given to an HCML config, an unrelated state dict) only
logs warnings about missing keys, and testing or training then runs on
random weights. This hook compares the keys before anything is loaded.
"""
import re
from typing import Dict, List, Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmaction.registry import HOOKS

__all__ = ['CheckpointMatchHook', 'ForeignCheckpointError']


class ForeignCheckpointError(ValueError):
    """A checkpoint's weights do not fit the model; lists the keys."""


def _show(keys: List[str], limit: int = 8) -> str:
    if not keys:
        return '-'
    head = ', '.join(keys[:limit])
    return f'{head}, ... ({len(keys)} in all)' if len(keys) > limit else head


#: Param-group keys that differ between torch versions of one optimizer.
_VERSION_KEYS = frozenset(
    ('params', 'initial_lr', 'foreach', 'fused', 'differentiable',
     'capturable', 'maximize', 'decoupled_weight_decay', 'lr',
     'weight_decay'))


def _saved_optimizer_type(checkpoint: dict) -> Optional[str]:
    """The optimizer type in the config text a checkpoint's meta holds."""
    cfg = (checkpoint.get('meta') or {}).get('cfg')
    if not isinstance(cfg, str):
        return None
    match = re.search(r"optimizer=dict\([^()]*?type='(\w+)'", cfg)
    return match.group(1) if match else None


def _check_optimizer(runner, checkpoint: dict, source: str) -> None:
    """Refuse an optimizer state that another optimizer type saved."""
    state = checkpoint['optimizer']
    groups = state.get('param_groups')
    if not isinstance(groups, list) or not groups or not isinstance(
            groups[0], dict):
        return
    theirs = set(groups[0]) - _VERSION_KEYS
    wrapper = getattr(runner, 'optim_wrapper', None)
    optimizer = getattr(wrapper, 'optimizer', None)
    if optimizer is not None and hasattr(optimizer, 'param_groups'):
        ours_type = type(optimizer).__name__
        ours = set(optimizer.param_groups[0]) - _VERSION_KEYS
        differs = bool(theirs - ours) and bool(ours - theirs)
    elif isinstance(wrapper, dict) and isinstance(
            wrapper.get('optimizer'), dict):
        ours_type, ours = wrapper['optimizer'].get('type'), set()
        saved = _saved_optimizer_type(checkpoint)
        differs = saved is not None and ours_type is not None and \
            saved.split('.')[-1] != str(ours_type).split('.')[-1]
    else:
        return
    path = getattr(runner, '_load_from', None)
    where = f' ({path})' if isinstance(path, str) else ''
    if not differs and optimizer is not None:
        theirs_sizes = [len(g.get('params', ())) for g in groups]
        ours_sizes = [len(g['params']) for g in optimizer.param_groups]
        if theirs_sizes != ours_sizes:
            raise ForeignCheckpointError(
                f'cannot resume from {source}{where}: its optimizer state '
                f'has {len(theirs_sizes)} parameter group(s) of '
                f'{theirs_sizes} parameters, this config\'s optimizer '
                f'{len(ours_sizes)} of {ours_sizes} (another paramwise_cfg, '
                'other frozen levels or another stage?). To start this '
                'config from those weights with a fresh optimizer, use '
                'load_from=CHECKPOINT without --resume.')
    if not differs:
        return
    saved = _saved_optimizer_type(checkpoint) or 'another optimizer type'
    raise ForeignCheckpointError(
        f'cannot resume from {source}{where}: its optimizer state was saved '
        f'by {saved} (param groups with {", ".join(sorted(theirs))}), and '
        f'this config trains with {ours_type}'
        + (f' ({", ".join(sorted(ours))})' if ours else '') +
        '. The two states do not fit (torch would fail at the first step '
        "with KeyError: 'step'). To start this config from those weights "
        'with a fresh optimizer, use load_from=CHECKPOINT without --resume; '
        'to continue that run, resume it with the config it was trained '
        'with.')


@HOOKS.register_module()
class CheckpointMatchHook(Hook):
    """Require a loaded checkpoint to hold exactly this model's weights.

    In ``after_load_checkpoint`` (called by ``Runner.load_checkpoint`` for
    ``load_from``, ``--resume`` and ``tools/test.py``, before any weight is
    copied or the optimizer state is restored), the checkpoint's
    ``state_dict`` keys (``module.`` prefixes removed) are compared with the
    model's: any missing key, unexpected key or shape mismatch raises
    :class:`ForeignCheckpointError` listing them.

    To load part of a model on purpose (``load_from`` only, never when
    resuming), name it with ``partial``: only checkpoint keys starting with
    ``partial['prefix']`` are taken, renamed to start with
    ``partial['target']`` (default: the same prefix); every one of them must
    exist in the model with the same shape. The rest of the model keeps its
    initialisation, and the log says how many tensors were loaded and which
    were not. E.g. a baseline R2D-50's backbone into HCML::

        load_from = 'work_dirs/baseline_r2d50_k400/epoch_100.pth'
        default_hooks = dict(checkpoint_match=dict(
            partial=dict(prefix='backbone.', target='backbone.backbone.')))

    When resuming, the checkpoint's optimizer state must also come from
    the same optimizer type as this config's: a state saved by SGD resumed
    into AdamW (or the reverse) raises :class:`ForeignCheckpointError`
    naming both, and the fix (``load_from`` for the weights with a fresh
    optimizer), instead of torch's ``KeyError: 'step'`` at the first step.

    Args:
        partial (dict, optional): ``dict(prefix=..., target=...)``. Defaults
            to ``None`` (the whole model must match).
    """

    priority = 'VERY_HIGH'

    def __init__(self, partial: Optional[dict] = None) -> None:
        if partial is not None:
            if not isinstance(partial, dict) or not isinstance(
                    partial.get('prefix'), str) or not partial['prefix'] or \
                    set(partial) - {'prefix', 'target'}:
                raise ValueError(
                    "partial must be dict(prefix='...', target='...') with a "
                    f'non-empty prefix, got {partial!r}')
            partial = dict(partial, target=partial.get('target',
                                                       partial['prefix']))
        self.partial = partial

    @staticmethod
    def _state(checkpoint: dict) -> Dict:
        state = checkpoint.get('state_dict', checkpoint)
        return {re.sub(r'^module\.', '', k): v for k, v in state.items()}

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        own = model.state_dict()
        state = self._state(checkpoint)
        source = 'the checkpoint'
        meta = checkpoint.get('meta') if 'state_dict' in checkpoint else None
        if isinstance(meta, dict) and meta.get('experiment_name'):
            source = f'the checkpoint of {meta["experiment_name"]!r}'
        resuming = getattr(runner, '_resume', False)
        if resuming and isinstance(checkpoint.get('optimizer'), dict):
            _check_optimizer(runner, checkpoint, source)
        if self.partial is not None and not resuming:
            self._load_part(runner, checkpoint, state, own)
            return
        missing = sorted(set(own) - set(state))
        unexpected = sorted(set(state) - set(own))
        mismatched = sorted(
            f'{k} {tuple(state[k].shape)} vs {tuple(own[k].shape)}'
            for k in set(own) & set(state)
            if hasattr(state[k], 'shape') and state[k].shape != own[k].shape)
        if missing or unexpected or mismatched:
            raise ForeignCheckpointError(
                f'{source} does not fit this model (a checkpoint of another '
                'model, stage or config?): nothing was loaded.\n  missing '
                f'keys ({len(missing)}): {_show(missing)}\n  unexpected keys '
                f'({len(unexpected)}): {_show(unexpected)}\n  shape '
                f'mismatches: {_show(mismatched)}\nTo load part of a model '
                "on purpose, set default_hooks.checkpoint_match.partial="
                "dict(prefix='backbone.', target='backbone.backbone.') "
                '(load_from only; see README "Reliability").')

    def _load_part(self, runner, checkpoint: dict, state: Dict,
                   own: Dict) -> None:
        prefix, target = self.partial['prefix'], self.partial['target']
        taken = {
            target + k[len(prefix):]: v
            for k, v in state.items() if k.startswith(prefix)
        }
        if not taken:
            raise ForeignCheckpointError(
                f'partial load: the checkpoint has no key starting with '
                f'{prefix!r}; its keys start with '
                f'{_show(sorted({k.split(".")[0] + "." for k in state}))}')
        absent = sorted(k for k in taken if k not in own)
        mismatched = sorted(
            f'{k} {tuple(v.shape)} vs {tuple(own[k].shape)}'
            for k, v in taken.items() if k in own and v.shape != own[k].shape)
        if absent or mismatched:
            raise ForeignCheckpointError(
                f'partial load {prefix!r} -> {target!r}: the checkpoint part '
                'does not fit this model.\n  not in the model: '
                f'{_show(absent)}\n  shape mismatches: {_show(mismatched)}')
        untouched = sorted(k for k in own if k not in taken)
        ignored = len(state) - len(taken)
        if 'state_dict' in checkpoint:
            checkpoint['state_dict'] = taken
        else:
            checkpoint.clear()
            checkpoint.update(taken)
        runner.logger.info(
            f'CheckpointMatchHook: partial load {prefix!r} -> {target!r}: '
            f'loaded {len(taken)} tensors; {ignored} checkpoint tensors '
            f'outside {prefix!r} ignored; {len(untouched)} model tensors '
            f'keep their initialisation ({_show(untouched, 4)})')
