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
* an empty, truncated or non-torch file, or one that does not hold a dict,
  raises :class:`UnreadableCheckpointError`.

:func:`atomic_write_text` writes a small file (``last_checkpoint``)
through a temporary file and a rename; checkpoints themselves are written
the same way by :class:`mmhcml.engine.hooks.SafeCheckpointHook`.
"""
import io
import os
import os.path as osp
import pickle
from typing import Any, Callable, Optional, Union

import torch

__all__ = [
    'UnsafeCheckpointError', 'UnreadableCheckpointError', 'safe_load',
    'atomic_write_text'
]

_TRUNCATED_MARKERS = ('PytorchStreamReader', 'central directory',
                      'invalid header', 'unexpected EOF', 'zip archive')


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds objects that ``weights_only=True`` refuses."""


class UnreadableCheckpointError(RuntimeError):
    """A checkpoint is empty, truncated, not a torch file or not a dict."""


def _name(f: Any) -> str:
    if isinstance(f, (str, os.PathLike)):
        return repr(os.fspath(f))
    return repr(getattr(f, 'name', 'in-memory checkpoint'))


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
              **kwargs) -> Any:
    """``torch.load(f, map_location, weights_only=True)`` with clear errors.

    Args:
        f (str | PathLike | file): The checkpoint.
        map_location: As for ``torch.load``.
        require_dict (bool): Refuse a file whose content is not a dict (a
            ``state_dict`` or an MMEngine checkpoint). Defaults to ``True``.
        **kwargs: Other ``torch.load`` arguments; ``weights_only=False`` and
            ``pickle_module`` are refused.

    Returns:
        The loaded object (a dict unless ``require_dict=False``).

    Raises:
        UnsafeCheckpointError: The pickle asks for a global outside torch's
            and mmhcml's allow-list.
        UnreadableCheckpointError: The file is empty, truncated, not a torch
            checkpoint, or (with ``require_dict``) does not hold a dict.
        ValueError: ``weights_only=False`` or a ``pickle_module`` was asked
            for.
    """
    if kwargs.pop('weights_only', True) is not True or kwargs.get(
            'pickle_module') is not None:
        raise ValueError('mmhcml loads checkpoints with weights_only=True '
                         'only; got weights_only=False or a pickle_module')
    kwargs.pop('pickle_module', None)
    name = _name(f)
    if isinstance(f, (str, os.PathLike)) and osp.isfile(f) and \
            osp.getsize(f) == 0:
        raise UnreadableCheckpointError(
            f'checkpoint {name} is empty (0 bytes): the save that wrote it '
            'was interrupted or the copy is incomplete. Use an earlier '
            'checkpoint, or `--resume` alone, which falls back to the '
            'newest loadable one.')
    try:
        loaded = torch.load(
            f, map_location=map_location, weights_only=True, **kwargs)
    except pickle.UnpicklingError as error:
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
            'truncated): the save that wrote it was interrupted. Use an '
            'earlier checkpoint, or `--resume` alone, which falls back to '
            'the newest loadable one.') from None
    except RuntimeError as error:
        text = str(error)
        if not any(marker in text for marker in _TRUNCATED_MARKERS):
            raise
        raise UnreadableCheckpointError(
            f'checkpoint {name} is truncated or not a torch checkpoint '
            f'({text.splitlines()[0]}). Use an earlier checkpoint, or '
            '`--resume` alone, which falls back to the newest loadable '
            'one.') from None
    if require_dict and not isinstance(loaded, dict):
        raise UnreadableCheckpointError(
            f'checkpoint {name} holds a {type(loaded).__name__}, not a dict: '
            'expected a state_dict or an MMEngine checkpoint '
            "(dict(state_dict=..., meta=...)); save model.state_dict(), "
            'not the model or a list of tensors')
    return loaded


def atomic_write_text(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    tmp = f'{path}.tmp.{os.getpid()}'
    with open(tmp, 'w') as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)

