"""Crash-safe checkpoints: atomic writes, and ``--resume`` that falls back.

MMEngine's ``CheckpointHook`` deletes the oldest kept checkpoint *before*
writing the new one, writes it in place, then points ``last_checkpoint`` at
it. A kill during the save leaves a partial file that ``last_checkpoint``
may name, and, with ``max_keep_ckpts=1``, no intact checkpoint at all.
"""
import os
import os.path as osp
import re
from typing import List, Optional, Tuple

from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend
from mmengine.hooks import CheckpointHook

from mmaction.registry import HOOKS
from ..checkpoint_io import (UnreadableCheckpointError, atomic_write_text,
                             resolve_last_checkpoint, safe_load)

__all__ = ['SafeCheckpointHook', 'resumable_checkpoints']


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

    Other storage backends keep MMEngine's behaviour. All arguments are
    ``CheckpointHook``'s; ``max_keep_ckpts`` below 2 is allowed, but the
    shipped configs keep at least 2, so a truncated newest checkpoint
    leaves an older one to fall back on.
    """

    def before_run(self, runner) -> None:
        super().before_run(runner)
        if getattr(runner, '_resume', False) and is_main_process():
            self._choose_resume_checkpoint(runner)

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
        tmp = osp.join(self.out_dir, tmp_name)
        with open(tmp, 'rb+') as f:
            os.fsync(f.fileno())
        os.replace(tmp, self.last_ckpt)
        atomic_write_text(
            osp.join(runner.work_dir, 'last_checkpoint'), self.last_ckpt)
        if drop is not None and drop != step:
            old = osp.join(self.out_dir, self.filename_tmpl.format(drop))
            if osp.isfile(old):
                os.remove(old)
