"""One training run per work dir.

Two trainings started on one ``--work-dir`` write the same ``epoch_N.pth``,
``last_checkpoint`` and temporary files: their checkpoints interleave, or
one crashes on the other's temporary file. :class:`WorkDirLock` is taken by
:class:`SafeCheckpointHook` when training starts and refuses a second run
with a message naming the one that holds it.

The lock is an ``flock`` on ``<work_dir>/.train.lock``, which holds the
holder's pid, host, start time and command. The operating system releases
an ``flock`` when its process ends, however it ends, so the lock of a run
that crashed or was killed (``kill -9``) is taken over by the next run,
which logs whose lock it took. Where ``flock`` is not supported (some
network file systems), the lock file is created exclusively instead, and
one left by a process that no longer runs on this host is taken over.
"""
import datetime
import errno
import json
import os
import os.path as osp
import socket
import sys
from typing import Dict, Optional

try:
    import fcntl
except ImportError:  # pragma: no cover (Windows)
    fcntl = None

__all__ = ['WorkDirLock', 'WorkDirBusyError', 'LOCK_NAME']

#: File name of the lock inside the work dir.
LOCK_NAME = '.train.lock'

#: Locks this process holds, by lock file path (a later Runner of the same
#: process on the same work dir, e.g. after an exception, takes them over).
_HELD: Dict[str, 'WorkDirLock'] = {}


class WorkDirBusyError(RuntimeError):
    """Another training run holds the work dir; names it."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _describe(holder: dict) -> str:
    return (f'pid {holder.get("pid", "?")} on {holder.get("host", "?")}, '
            f'started {holder.get("started", "?")} '
            f'({holder.get("command", "command unknown")})')


class WorkDirLock:
    """The lock of one work dir, held for the length of a training run.

    Args:
        work_dir (str): The run's work dir (created when missing).
    """

    def __init__(self, work_dir: str) -> None:
        self.work_dir = work_dir
        self.path = osp.join(osp.abspath(work_dir), LOCK_NAME)
        self._fd: Optional[int] = None

    # --- reading --------------------------------------------------------
    def _read(self, fd: Optional[int] = None) -> dict:
        try:
            if fd is not None:
                os.lseek(fd, 0, os.SEEK_SET)
                text = os.read(fd, 65536).decode('utf-8', 'replace')
            else:
                with open(self.path, encoding='utf-8',
                          errors='replace') as f:
                    text = f.read()
            holder = json.loads(text) if text.strip() else {}
        except (OSError, ValueError):
            return {}
        return holder if isinstance(holder, dict) else {}

    def _busy(self, holder: dict) -> WorkDirBusyError:
        return WorkDirBusyError(
            f'work_dir {self.work_dir} is in use by another training run: '
            f'{_describe(holder)}. Two runs in one work_dir interleave or '
            'overwrite each other\'s checkpoints. Wait for that run to '
            'finish or stop it, or give this run another --work-dir. (The '
            f'lock, {self.path}, is released when that process exits, '
            'however it exits.)')

    # --- taking and releasing -------------------------------------------
    def acquire(self) -> Optional[dict]:
        """Take the lock.

        Returns:
            dict | None: The holder recorded in a lock left by a run that
            no longer runs (its lock was taken over), else ``None``.

        Raises:
            WorkDirBusyError: A running process holds it.
        """
        held = _HELD.get(self.path)
        if held is not None and held._fd is not None:
            self._fd, held._fd = held._fd, None  # an earlier Runner of ours
            _HELD[self.path] = self
            return None
        os.makedirs(osp.dirname(self.path), exist_ok=True)
        if fcntl is None:
            return self._acquire_exclusive()
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = self._read(fd)
                os.close(fd)
                raise self._busy(holder) from None
            except OSError as error:
                os.close(fd)
                if error.errno in (errno.ENOLCK, errno.EOPNOTSUPP,
                                   errno.ENOSYS):
                    return self._acquire_exclusive()
                raise
            try:  # the file may have been removed by a run that just ended
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        previous = self._read(fd)
        self._fd = fd
        self._write(fd)
        _HELD[self.path] = self
        return previous or None

    def _acquire_exclusive(self) -> Optional[dict]:
        """Without ``flock``: create the file exclusively; take over one
        whose process no longer runs on this host."""
        previous = None
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL,
                             0o644)
                break
            except FileExistsError:
                holder = self._read()
                stale = holder.get('host') == socket.gethostname() and \
                    isinstance(holder.get('pid'), int) and \
                    not _pid_alive(holder['pid'])
                if not stale:
                    raise self._busy(holder) from None
                previous = holder
                try:
                    os.remove(self.path)
                except FileNotFoundError:
                    pass
        self._fd = fd
        self._write(fd)
        _HELD[self.path] = self
        return previous

    def _write(self, fd: int) -> None:
        holder = dict(
            pid=os.getpid(),
            host=socket.gethostname(),
            started=datetime.datetime.now().isoformat(timespec='seconds'),
            command=' '.join(sys.argv) or sys.executable)
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, json.dumps(holder).encode())
        os.fsync(fd)

    def release(self) -> None:
        """Remove the lock file and let the lock go."""
        if self._fd is None:
            return
        try:
            os.remove(self.path)
        except FileNotFoundError:
            pass
        os.close(self._fd)
        self._fd = None
        if _HELD.get(self.path) is self:
            del _HELD[self.path]

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None

    @staticmethod
    def describe(holder: dict) -> str:
        """``pid .. on .., started .. (command)`` of a holder record."""
        return _describe(holder)
