"""Crash-safe checkpoints: atomic writes, and ``--resume`` that falls back.

MMEngine's ``CheckpointHook`` deletes the oldest kept checkpoint *before*
writing the new one, writes it in place, then points ``last_checkpoint`` at
it. A kill during the save leaves a partial file that ``last_checkpoint``
may name, and, with ``max_keep_ckpts=1``, no intact checkpoint at all. Its
``save_best`` removes the previous best before the new one is written, and
a mistyped argument reaches ``Runner.save_checkpoint`` only at the first
save, after the training time has been spent.
"""
import os
import os.path as osp
import re
from typing import List, Optional, Sequence, Tuple

from mmengine.dist import broadcast_object_list, is_main_process
from mmengine.fileio import LocalBackend
from mmengine.hooks import CheckpointHook
from mmengine.runner import BaseLoop

from mmaction.registry import HOOKS
from ..checkpoint_io import (UnreadableCheckpointError, atomic_write_text,
                             resolve_last_checkpoint, safe_load)
from .argument_check import check_known_arguments
from .work_dir_lock import WorkDirBusyError, WorkDirLock

__all__ = ['SafeCheckpointHook', 'resumable_checkpoints']

#: The arguments of ``CheckpointHook`` (mmengine 0.10); anything else would
#: be passed on to ``Runner.save_checkpoint`` and fail at the first save.
_ARGUMENTS = ('interval', 'by_epoch', 'save_optimizer',
              'save_param_scheduler', 'out_dir', 'max_keep_ckpts',
              'save_last', 'save_best', 'rule', 'greater_keys', 'less_keys',
              'file_client_args', 'filename_tmpl', 'backend_args',
              'published_keys', 'save_begin')


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _str_or_strs(value) -> bool:
    return isinstance(value, str) or (
        isinstance(value, (list, tuple)) and value and all(
            isinstance(v, str) for v in value))


def check_checkpoint_args(kwargs: dict) -> None:
    """``ValueError`` naming the first bad ``CheckpointHook`` argument.

    Args:
        kwargs (dict): The hook's arguments as the config gives them.
    """
    check_known_arguments(
        kwargs, _ARGUMENTS, 'default_hooks.checkpoint',
        f'. SafeCheckpointHook takes {", ".join(_ARGUMENTS)}')
    checks = dict(
        interval=(lambda v: _is_int(v) and (v >= 1 or v == -1),
                  'an int >= 1 (or -1: never)'),
        by_epoch=(lambda v: isinstance(v, bool), 'True or False'),
        save_optimizer=(lambda v: isinstance(v, bool), 'True or False'),
        save_param_scheduler=(lambda v: isinstance(v, bool),
                              'True or False'),
        save_last=(lambda v: isinstance(v, bool), 'True or False'),
        out_dir=(lambda v: v is None or isinstance(v, (str, os.PathLike)),
                 'a folder path or None'),
        max_keep_ckpts=(lambda v: _is_int(v) and (v >= 1 or v == -1),
                        'an int >= 1 (or -1: keep all)'),
        save_best=(lambda v: v is None or _str_or_strs(v),
                   "a metric name, a list of them, 'auto' or None"),
        rule=(lambda v: v is None or (_str_or_strs(v) and set(
            [v] if isinstance(v, str) else v) <= {'greater', 'less'}),
              "'greater', 'less', a list of them or None"),
        greater_keys=(lambda v: v is None or _str_or_strs(v),
                      'a list of metric names or None'),
        less_keys=(lambda v: v is None or _str_or_strs(v),
                   'a list of metric names or None'),
        published_keys=(lambda v: v is None or _str_or_strs(v),
                        'a key name, a list of them or None'),
        save_begin=(lambda v: _is_int(v) and v >= 0, 'an int >= 0'),
        filename_tmpl=(lambda v: v is None or (isinstance(v, str) and v.count(
            '{') == 1 and _formats(v)), "a file name with one '{}', e.g. "
                       "'epoch_{}.pth'"),
    )
    for key, (ok, wanted) in checks.items():
        if key in kwargs and not ok(kwargs[key]):
            raise ValueError(
                f'default_hooks.checkpoint.{key} must be {wanted}, got '
                f'{kwargs[key]!r} ({type(kwargs[key]).__name__})')


def _formats(template: str) -> bool:
    try:
        return template.format(1) != template.format(2)
    except (IndexError, KeyError, ValueError):
        return False


def _check_resumable(path: str) -> Optional[str]:
    """Why ``path`` cannot be resumed from, or ``None`` when it can.

    The file is opened the way ``--resume`` opens it (weights only), memory
    mapped where torch can, so that a large checkpoint is not read twice; a
    truncated write has no zip directory and fails here.
    """
    if not osp.isfile(path):
        return 'missing'
    try:
        try:
            checkpoint = safe_load(path, map_location='cpu', mmap=True)
        except (TypeError, RuntimeError) as error:
            if isinstance(error, UnreadableCheckpointError):
                raise
            checkpoint = safe_load(path, map_location='cpu')  # no mmap
    except Exception as error:  # every reason is reported, none is raised
        return f'{type(error).__name__}: {error}'
    if 'meta' not in checkpoint or 'state_dict' not in checkpoint:
        return ('not a training checkpoint (it lacks meta or state_dict; '
                'use load_from for weights only)')
    return None


def resumable_checkpoints(folder: str, filename_tmpl: str) -> List[str]:
    """Checkpoints in ``folder`` named by ``filename_tmpl``, newest first."""
    if not osp.isdir(folder):
        return []
    head, _, tail = filename_tmpl.partition('{}')
    pattern = re.compile(re.escape(head) + r'(\d+)' + re.escape(tail) + '$')
    found: List[Tuple[int, str]] = []
    for name in os.listdir(folder):
        match = pattern.match(name)
        if match:
            found.append((int(match.group(1)), osp.join(folder, name)))
    return [path for _, path in sorted(found, reverse=True)]


@HOOKS.register_module()
class SafeCheckpointHook(CheckpointHook):
    """MMEngine's ``CheckpointHook`` whose saves survive a crash.

    On a local file system:

    * each checkpoint is written to a hidden temporary file beside its
      target, flushed to disk and renamed into place, so ``epoch_N.pth`` is
      always complete;
    * ``last_checkpoint`` is rewritten (atomically too) only after that;
    * the checkpoint falling out of ``max_keep_ckpts`` is deleted last, so a
      kill at any point leaves ``last_checkpoint`` naming a complete file.

    With ``resume=True`` and no checkpoint given (``--resume`` alone), the
    checkpoint ``last_checkpoint`` names is checked before MMEngine opens
    it; when it cannot be loaded (truncated, empty, missing), the newest
    checkpoint of the work dir that loads is resumed instead, and a warning
    says which and why. A checkpoint named explicitly (``--resume PATH``) is
    never replaced: one that cannot be loaded raises an error naming the
    newest that can.

    ``save_best`` is atomic too: the new best checkpoint is complete on
    disk before the previous best is removed.

    One training run per work dir: when training starts, the work dir's
    lock (:class:`~mmhcml.engine.hooks.work_dir_lock.WorkDirLock`) is taken;
    a second run on the same work dir is refused with
    :class:`~mmhcml.engine.hooks.work_dir_lock.WorkDirBusyError` naming the
    pid, host, start time and command of the running one. The lock of a run
    that crashed or was killed is taken over, and the log says so. Test
    runs take no lock.

    Other storage backends keep MMEngine's behaviour. All arguments are
    ``CheckpointHook``'s, checked when the hook is built: an unknown
    (mistyped) argument or a value of the wrong type raises a
    ``ValueError`` naming it before any training time is spent.
    ``max_keep_ckpts`` below 2 is allowed, but the shipped configs keep at
    least 2, so a truncated newest checkpoint leaves an older one to fall
    back on.
    """

    def __init__(self, **kwargs) -> None:
        check_checkpoint_args(kwargs)
        super().__init__(**kwargs)
        self._lock: Optional[WorkDirLock] = None

    def before_run(self, runner) -> None:
        if isinstance(getattr(runner, '_train_loop', None), BaseLoop):
            self._take_lock(runner)
        super().before_run(runner)
        if getattr(runner, '_resume', False):
            # rank 0 chooses; every rank resumes from the same file, or
            # every rank raises the same error
            choice = [None, None]
            if is_main_process():
                try:
                    self._choose_resume_checkpoint(runner)
                    choice[0] = runner._load_from
                except UnreadableCheckpointError as error:
                    choice[1] = str(error)
            broadcast_object_list(choice)
            if choice[1] is not None:
                raise UnreadableCheckpointError(choice[1])
            runner._load_from = choice[0]

    def after_run(self, runner) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    # --- the work-dir lock ----------------------------------------------
    def _take_lock(self, runner) -> None:
        message = [None]
        if is_main_process():
            lock = WorkDirLock(runner.work_dir)
            try:
                previous = lock.acquire()
            except WorkDirBusyError as error:
                message[0] = str(error)
            else:
                self._lock = lock
                if previous:
                    runner.logger.warning(
                        'SafeCheckpointHook: took over the work-dir lock of '
                        f'{WorkDirLock.describe(previous)}, which is no '
                        'longer running (it crashed or was killed)')
        broadcast_object_list(message)  # every rank stops, not only rank 0
        if message[0] is not None:
            raise WorkDirBusyError(message[0])

    # --- resuming -------------------------------------------------------
    def _checkpoint_dirs(self, runner) -> List[str]:
        dirs = [runner.work_dir]
        out_dir = self.out_dir
        if isinstance(out_dir, str) and out_dir != runner.work_dir:
            dirs.append(out_dir)
            dirs.append(
                osp.join(out_dir, osp.basename(runner.work_dir.rstrip(
                    osp.sep))))
        return dirs

    def _choose_resume_checkpoint(self, runner) -> None:
        explicit = runner._load_from
        pointer = osp.join(runner.work_dir, 'last_checkpoint')
        named = explicit
        if named is None:
            found = resolve_last_checkpoint(runner.work_dir)
            if found is not None:
                named = found[0]
                if 'instead' in found[1]:
                    runner.logger.warning(f'SafeCheckpointHook: {found[1]}')
                    runner._load_from = named
        candidates: List[str] = []
        for folder in self._checkpoint_dirs(runner):
            candidates += resumable_checkpoints(folder, self.filename_tmpl)
        if named is None and not candidates:
            return  # nothing to resume: MMEngine starts afresh and says so
        reasons = {}
        if named is not None:
            reasons[named] = _check_resumable(named)
            if reasons[named] is None:
                runner._load_from = named
                return
        chosen = None
        for path in candidates:
            if path == named:
                continue
            reasons[path] = _check_resumable(path)
            if reasons[path] is None:
                chosen = path
                break
        if explicit is not None:
            hint = (f'the newest checkpoint that loads is {chosen}: pass '
                    f'`--resume {chosen}`, or `--resume` alone to pick it'
                    if chosen else 'no checkpoint in the work dir loads')
            raise UnreadableCheckpointError(
                f'cannot resume from {explicit}: {reasons[explicit]}. {hint}.')
        if chosen is None:
            listed = '\n  '.join(f'{p}: {r}' for p, r in reasons.items())
            raise UnreadableCheckpointError(
                'cannot resume: no checkpoint of this run loads\n  '
                f'{listed}\nStart afresh without --resume, or give a '
                'checkpoint with --resume PATH.')
        why = (f'{named} cannot be loaded ({reasons[named]})'
               if named else f'{pointer} is missing')
        runner.logger.warning(
            f'SafeCheckpointHook: {why}; resuming from {chosen} instead, '
            'the newest checkpoint of this run that loads. Training after '
            'it is repeated.')
        runner._load_from = chosen

    # --- saving ---------------------------------------------------------
    def _save_best_checkpoint(self, runner, metrics) -> None:
        """MMEngine's ``save_best``, atomically: the new best checkpoint is
        written through a temporary file, and the previous one is removed
        only after that."""
        if not isinstance(self.file_backend, LocalBackend):
            return super()._save_best_checkpoint(runner, metrics)
        deferred: List[str] = []

        def save(out_dir, filename, *args, **kwargs):
            tmp_name = f'.{filename}.tmp'
            original_save(out_dir, tmp_name, *args, **kwargs)
            if is_main_process():
                self._publish(osp.join(out_dir, tmp_name),
                              osp.join(out_dir, filename))

        original_save = runner.save_checkpoint
        runner.save_checkpoint = save
        self.file_backend.remove = deferred.append
        before = (getattr(self, 'best_ckpt_path', None),
                  dict(getattr(self, 'best_ckpt_path_dict', {})),
                  {k: v for k, v in runner.message_hub.runtime_info.items()
                   if k.startswith(('best_score', 'best_ckpt'))})
        try:
            super()._save_best_checkpoint(runner, metrics)
        except BaseException:  # the new best was not saved: keep the old
            self.best_ckpt_path = before[0]
            if hasattr(self, 'best_ckpt_path_dict'):
                self.best_ckpt_path_dict = before[1]
            runner.message_hub.update_info_dict(before[2])
            raise
        finally:
            del runner.save_checkpoint  # the class's method again
            del self.file_backend.remove
        current = {getattr(self, 'best_ckpt_path', None),
                   *getattr(self, 'best_ckpt_path_dict', {}).values()}
        for path in deferred:
            if path not in current and osp.isfile(path):
                os.remove(path)

    @staticmethod
    def _publish(tmp: str, path: str) -> None:
        """Flush ``tmp`` to disk and rename it to ``path``."""
        with open(tmp, 'rb+') as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)

    def _save_checkpoint_with_step(self, runner, step, meta):
        if not isinstance(self.file_backend, LocalBackend):
            return super()._save_checkpoint_with_step(runner, step, meta)
        drop = None
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and
                                            self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                drop = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))
        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = osp.join(self.out_dir, ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        tmp_name = f'.{ckpt_filename}.tmp'
        runner.save_checkpoint(
            self.out_dir,
            tmp_name,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)
        if not is_main_process():
            return
        self._publish(osp.join(self.out_dir, tmp_name), self.last_ckpt)
        atomic_write_text(
            osp.join(runner.work_dir, 'last_checkpoint'), self.last_ckpt)
        if drop is not None and drop != step:
            old = osp.join(self.out_dir, self.filename_tmpl.format(drop))
            if osp.isfile(old):
                os.remove(old)
