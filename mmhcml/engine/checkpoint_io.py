"""Checkpoint files read with ``weights_only=True`` and written atomically.

Every checkpoint this project reads goes through :func:`safe_load`: it passes
``weights_only=True`` to ``torch.load`` explicitly, so a crafted pickle cannot
run code even on torch < 2.6 (whose default is ``weights_only=False``) or
with ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1``, which only overrides calls that
leave ``weights_only`` unset. MMEngine's loaders (``load_from``, ``--resume``,
``tools/test.py``, ``load_checkpoint`` of the analysis tools) are routed
here by :func:`mmhcml.compat.fix_explicit_weights_only`.

Files that cannot be used get an error that says what is wrong with them:

* a pickle asking for objects outside the allow-list raises
  :class:`UnsafeCheckpointError` (torch's own message suggests re-running
  with ``weights_only=False``, which would run whatever the file contains);
* an empty, truncated or non-torch file (a zip of something else, random
  bytes), or one that does not hold a dict, raises
  :class:`UnreadableCheckpointError`;
* a state dict that does not map names to tensors (floats, a list, a nested
  dict) raises :class:`UnreadableCheckpointError` naming the first bad key;
* a float tensor holding NaN or Inf raises :class:`NonFiniteCheckpointError`
  naming the first such key (weights of a diverged run would otherwise
  score, or surface later as a loss error that blames the batch).

Every message names the file. :func:`stage_progress` and
:func:`check_finished` tell whether a training checkpoint completed its
schedule (stage chaining refuses one that did not, unless asked not to).

:func:`atomic_write_text` writes a small file (``last_checkpoint``)
through a temporary file and a rename; checkpoints themselves are written
the same way by :class:`mmhcml.engine.hooks.SafeCheckpointHook`.
"""
import io
import os
import os.path as osp
import pickle
from typing import Any, Callable, Dict, Mapping, Optional, Tuple, Union

import torch

__all__ = [
    'UnsafeCheckpointError', 'UnreadableCheckpointError',
    'NonFiniteCheckpointError', 'UnfinishedCheckpointError', 'safe_load',
    'check_state_dict', 'stage_progress', 'check_finished',
    'resolve_last_checkpoint', 'atomic_write_text'
]


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds objects that ``weights_only=True`` refuses."""


class UnreadableCheckpointError(RuntimeError):
    """A checkpoint is empty, truncated, not a torch file, not a dict, or its
    state dict does not map names to tensors."""


class NonFiniteCheckpointError(UnreadableCheckpointError):
    """A checkpoint's float tensor holds NaN or Inf; names the key."""


class UnfinishedCheckpointError(ValueError):
    """A stage's checkpoint stopped before the end of its schedule."""


def _name(f: Any) -> str:
    if isinstance(f, (str, os.PathLike)):
        return repr(os.fspath(f))
    return repr(getattr(f, 'name', 'in-memory checkpoint'))


#: Parts of torch's refusal that name a refused object (an unsafe pickle);
#: other refusals ("Unsupported operand") come from bytes that are no pickle.
_GLOBAL_MARKERS = ('GLOBAL', 'Unsupported class', 'getattr(', 'global')


def _refused_global(error: Exception) -> str:
    """What torch refused (its line naming the global), without its advice
    to load with ``weights_only=False``."""
    lines = [
        line.strip() for line in str(error).splitlines()
        if 'GLOBAL' in line or 'Unsupported' in line or 'getattr(' in line
    ]
    return f' Refused: {lines[0]}' if lines else ''


def safe_load(f: Union[str, os.PathLike, io.IOBase],
              map_location: Optional[Union[str, Callable,
                                           torch.device]] = None,
              require_dict: bool = True,
              check_state: bool = True,
              **kwargs) -> Any:
    """``torch.load(f, map_location, weights_only=True)`` with clear errors.

    The one loader of the project: MMEngine's loaders, the tools and the
    stage chaining all read checkpoints through it.

    Args:
        f (str | PathLike | file): The checkpoint.
        map_location: As for ``torch.load``.
        require_dict (bool): Refuse a file whose content is not a dict (a
            ``state_dict`` or an MMEngine checkpoint). Defaults to ``True``.
        check_state (bool): With ``require_dict``, check the state dict
            (``checkpoint['state_dict']``, or the dict itself) with
            :func:`check_state_dict`. Defaults to ``True``.
        **kwargs: Other ``torch.load`` arguments; ``weights_only=False`` and
            ``pickle_module`` are refused.

    Returns:
        The loaded object (a dict unless ``require_dict=False``).

    Raises:
        UnsafeCheckpointError: The pickle asks for a global outside torch's
            and mmhcml's allow-list.
        UnreadableCheckpointError: The file is empty, truncated, not a torch
            checkpoint, or (with ``require_dict``) does not hold a dict, or
            (with ``check_state``) its state dict is not names -> tensors.
        NonFiniteCheckpointError: (with ``check_state``) a float tensor
            holds NaN or Inf.
        ValueError: ``weights_only=False`` or a ``pickle_module`` was asked
            for.
    """
    if kwargs.pop('weights_only', True) is not True or kwargs.get(
            'pickle_module') is not None:
        raise ValueError('mmhcml loads checkpoints with weights_only=True '
                         'only; got weights_only=False or a pickle_module')
    kwargs.pop('pickle_module', None)
    name = _name(f)
    earlier = ('Use an earlier checkpoint, or `--resume` alone, which falls '
               'back to the newest loadable one.')
    if isinstance(f, (str, os.PathLike)) and osp.isfile(f) and \
            osp.getsize(f) == 0:
        raise UnreadableCheckpointError(
            f'checkpoint {name} is empty (0 bytes): the save that wrote it '
            f'was interrupted or the copy is incomplete. {earlier}')
    try:
        loaded = torch.load(
            f, map_location=map_location, weights_only=True, **kwargs)
    except pickle.UnpicklingError as error:
        if not any(marker in str(error) for marker in _GLOBAL_MARKERS):
            lines = [line.strip() for line in str(error).splitlines()
                     if line.strip().startswith('Unsupported')]
            raise UnreadableCheckpointError(
                f'checkpoint {name} is not a torch checkpoint: its bytes '
                'are neither a torch zip file nor a pickle of tensors ('
                f'{lines[0] if lines else "unpickling failed"}). Was another '
                f'file given, or was it corrupted in transfer? {earlier}'
            ) from None
        raise UnsafeCheckpointError(
            f'refused to load checkpoint {name}: it holds Python objects '
            'that weights-only loading does not allow, and unpickling them '
            'could run arbitrary code. torch\'s advice to re-run with '
            'weights_only=False is not the fix: that runs whatever the file '
            'contains. If you made the file yourself, re-save it holding '
            'only tensors, numbers and strings (e.g. '
            "torch.save({'state_dict': model.state_dict()}, path))."
            f'{_refused_global(error)}') from None
    except EOFError:
        raise UnreadableCheckpointError(
            f'checkpoint {name} ends before its data does (empty or '
            f'truncated): the save that wrote it was interrupted. {earlier}'
        ) from None
    except (OSError, MemoryError):
        raise
    except Exception as error:  # torch's reader errors, KeyError, ...
        text = str(error).strip().splitlines()
        first = text[0].split('  (Could this')[0] if text else ''
        if 'CUDA' in first or 'device' in first:
            raise  # a map_location problem, not the file's
        raise UnreadableCheckpointError(
            f'checkpoint {name} is truncated or not a torch checkpoint '
            f'(torch.load failed with {type(error).__name__}: {first}): a '
            'file cut short, a zip that is not a torch file and a file of '
            f'another format all end here. {earlier}') from None
    if require_dict and not isinstance(loaded, dict):
        raise UnreadableCheckpointError(
            f'checkpoint {name} holds a {type(loaded).__name__}, not a dict: '
            'expected a state_dict or an MMEngine checkpoint '
            "(dict(state_dict=..., meta=...)); save model.state_dict(), "
            'not the model or a list of tensors')
    if require_dict and check_state:
        check_state_dict(loaded, name)
    return loaded


def check_state_dict(checkpoint: Mapping, name: str = 'checkpoint') -> None:
    """Check that a checkpoint's state dict maps names to finite tensors.

    The state dict is ``checkpoint['state_dict']`` (an MMEngine checkpoint)
    or ``checkpoint`` itself (a bare state dict).

    Args:
        checkpoint (Mapping): A loaded checkpoint.
        name (str): How the messages name the file. Defaults to
            ``'checkpoint'``.

    Raises:
        UnreadableCheckpointError: The state dict is empty, not a dict, or
            holds a key that is not a string or a value that is not a tensor
            (the first is named).
        NonFiniteCheckpointError: A float tensor holds NaN or Inf (the first
            such key is named, with the count of bad values).
    """
    state = checkpoint.get('state_dict', checkpoint)
    where = ("its 'state_dict'" if 'state_dict' in checkpoint else
             'its state dict (the file is a bare dict)')
    fix = ('expected a dict of parameter name -> tensor, as '
           "torch.save({'state_dict': model.state_dict()}, path) writes")
    if not isinstance(state, Mapping):
        raise UnreadableCheckpointError(
            f'checkpoint {name}: {where} is a {type(state).__name__}, not a '
            f'dict; {fix}')
    if not state:
        raise UnreadableCheckpointError(
            f'checkpoint {name}: {where} is empty, it holds no weights; '
            f'{fix}')
    for key, value in state.items():
        if not isinstance(key, str):
            raise UnreadableCheckpointError(
                f'checkpoint {name}: {where} has the key {key!r} '
                f'({type(key).__name__}), not a parameter name; {fix}')
        if not isinstance(value, torch.Tensor):
            raise UnreadableCheckpointError(
                f'checkpoint {name}: {where} maps {key!r} to a '
                f'{type(value).__name__} ({_short(value)}), not a tensor; '
                f'{fix}')
        if (value.is_floating_point() or value.is_complex()) and \
                not bool(torch.isfinite(value).all()):
            bad = int((~torch.isfinite(value)).sum())
            raise NonFiniteCheckpointError(
                f'checkpoint {name} holds non-finite weights: {key!r} has '
                f'{bad} NaN/Inf value(s) of {value.numel()} (the first such '
                'tensor in the file). The run that saved it diverged; use a '
                'checkpoint from before the divergence (an earlier '
                'epoch_N.pth) and a lower learning rate.')


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + '...'


def stage_progress(checkpoint: Mapping) -> Optional[Dict[str, int]]:
    """How far the training run that saved ``checkpoint`` got.

    MMEngine writes the iteration reached into ``meta['iter']`` and the
    schedule's length into the message hub's ``max_iters`` (also
    ``epoch`` / ``max_epochs`` for epoch-based loops).

    Returns:
        dict | None: ``iter``, ``max_iters`` and, when known, ``epoch`` and
        ``max_epochs``; ``None`` when the checkpoint does not record them
        (a bare or stripped state dict).
    """
    meta = checkpoint.get('meta')
    hub = checkpoint.get('message_hub')
    info = hub.get('runtime_info') if isinstance(hub, Mapping) else None
    if not isinstance(meta, Mapping) or not isinstance(info, Mapping):
        return None
    done, total = meta.get('iter'), info.get('max_iters')
    if not isinstance(done, int) or not isinstance(total, int) or total < 1:
        return None
    progress = dict(iter=done, max_iters=total)
    epoch, epochs = meta.get('epoch'), info.get('max_epochs')
    if isinstance(epoch, int) and isinstance(epochs, int) and epochs > 0:
        progress.update(epoch=epoch, max_epochs=epochs)
    return progress


def check_finished(checkpoint: Mapping, name: str,
                   allow_partial: bool = False,
                   hint: str = '') -> Optional[Dict[str, int]]:
    """Refuse the checkpoint of a run that stopped before its schedule ended.

    Args:
        checkpoint (Mapping): A loaded MMEngine training checkpoint.
        name (str): How the message names it (file, stage).
        allow_partial (bool): Accept it anyway. Defaults to ``False``.
        hint (str): Appended to the message (how to finish the run).

    Returns:
        dict | None: :func:`stage_progress` of the checkpoint.

    Raises:
        UnfinishedCheckpointError: Its iteration is below the schedule's
            ``max_iters`` and ``allow_partial`` is ``False``.
    """
    progress = stage_progress(checkpoint)
    if progress is None or allow_partial or \
            progress['iter'] >= progress['max_iters']:
        return progress
    where = f'iteration {progress["iter"]} of {progress["max_iters"]}'
    if 'max_epochs' in progress:
        where = (f'epoch {progress["epoch"]} of {progress["max_epochs"]} '
                 f'({where})')
    raise UnfinishedCheckpointError(
        f'{name} stopped at {where}: that run did not finish its schedule '
        f'(it crashed or was stopped).{hint} To start from it anyway, set '
        'allow_partial=True in LoadStageCheckpointHook.')


def resolve_last_checkpoint(work_dir: str) -> Optional[Tuple[str, str]]:
    """The checkpoint ``work_dir/last_checkpoint`` names, and why that file.

    MMEngine records an absolute path. After a run folder is moved or
    copied, that path names the old location (gone, or still there and not
    this folder's file). The checkpoint of the same name inside ``work_dir``
    is then taken; a recorded path outside ``work_dir`` is used only when
    ``work_dir`` has no such file (checkpoints saved to an ``out_dir``). A
    relative recorded path is taken relative to ``work_dir``.

    Args:
        work_dir (str): The run folder holding ``last_checkpoint``.

    Returns:
        tuple | None: ``(path, reason)``, ``reason`` a sentence for the log;
        ``None`` when there is no ``last_checkpoint`` or it is empty. The
        path may not exist (the caller reports it).
    """
    pointer = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(pointer):
        return None
    with open(pointer) as f:
        recorded = f.read().strip()
    if not recorded:
        return None
    if not osp.isabs(recorded):
        path = osp.join(work_dir, recorded)
        return path, f'{pointer} names {recorded!r}, taken relative to ' \
            'its folder'
    local = osp.join(work_dir, osp.basename(recorded))
    same = osp.realpath(osp.dirname(recorded)) == osp.realpath(work_dir)
    if same or not osp.isfile(local):
        why = ('the file it names' if osp.isfile(recorded) else
               'the file it names, which is missing')
        return recorded, f'{pointer} names it ({why})'
    gone = 'no longer exists' if not osp.exists(recorded) else \
        'is outside this folder'
    return local, (f'{pointer} names {recorded}, which {gone} (was the run '
                   'folder moved or copied?); the checkpoint of that name in '
                   f'{work_dir} is used instead')


def atomic_write_text(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    tmp = f'{path}.tmp.{os.getpid()}'
    with open(tmp, 'w') as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)

