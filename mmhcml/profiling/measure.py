"""Timing and peak-memory helpers for the benchmarks of docs/benchmark.md.

The paper claims HCML adds little cost at inference because the side branch
is dropped (section 3.3); these helpers measure it on the machine at hand.

* :func:`time_it` synchronises CUDA before and after every timed call.
* :class:`SavedActivations` counts the bytes autograd keeps for the
  backward pass: a device-independent measure of activation memory.
* :class:`PeakMemory` reports the peak memory *increase* inside its block:
  on CUDA ``torch.cuda.max_memory_allocated`` after
  ``torch.cuda.reset_peak_memory_stats``; on CPU the kernel's peak resident
  set size (``VmHWM``), reset through ``/proc/self/clear_refs`` after
  ``malloc_trim`` returned freed heap pages, minus the resident size at the
  start. Where ``clear_refs`` cannot be written, a thread samples ``VmRSS``
  every millisecond instead (``method`` says which was used).
"""
import ctypes
import json
import os
import os.path as osp
import platform
import statistics
import threading
import time
from typing import Callable, Dict, List, Optional

import torch

__all__ = [
    'PeakMemory', 'SavedActivations', 'check_iters', 'device_name',
    'save_json', 'synchronize', 'time_call', 'time_it', 'write_result'
]


def device_name(device: str) -> str:
    """``torch.cuda.get_device_name`` or the CPU model from /proc/cpuinfo."""
    if torch.device(device).type == 'cuda':
        return torch.cuda.get_device_name(torch.device(device))
    model = platform.processor() or 'unknown CPU'
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    model = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    return f'{model} ({torch.get_num_threads()} threads)'


def save_json(result: dict, path: str) -> None:
    """Write a benchmark ``result`` to ``path`` as indented JSON, creating
    its folder."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(result, f, indent=2)


def write_result(result: dict, out: Optional[str]) -> None:
    """:func:`save_json` to ``out`` and print ``wrote <out>``; nothing when
    ``out`` is ``None`` (a tool's ``--out``)."""
    if out:
        save_json(result, out)
        print(f'wrote {out}')


def synchronize(device: str) -> None:
    """Wait for queued CUDA work; nothing on CPU."""
    if torch.device(device).type == 'cuda':
        torch.cuda.synchronize(torch.device(device))


def check_iters(iters: int, warmup: int) -> None:
    """``ValueError`` unless ``iters >= 1`` and ``warmup >= 0``."""
    if iters < 1 or warmup < 0:
        raise ValueError(f'iters must be >= 1 and warmup >= 0, got '
                         f'iters={iters!r}, warmup={warmup!r}')


def time_call(fn: Callable[[], object], device: str) -> float:
    """Milliseconds of one call of ``fn``, with CUDA synchronised before
    and after it (queued work neither counted nor left out)."""
    synchronize(device)
    start = time.perf_counter()
    fn()
    synchronize(device)
    return (time.perf_counter() - start) * 1e3


def time_it(fn: Callable[[], object],
            device: str,
            iters: int = 10,
            warmup: int = 3) -> Dict[str, float]:
    """Run ``fn`` ``warmup`` times, then time ``iters`` calls one by one
    (:func:`time_call`).

    Returns:
        dict: ``median_ms``, ``mean_ms``, ``min_ms`` over the timed calls.
    """
    check_iters(iters, warmup)
    for _ in range(warmup):
        fn()
    times: List[float] = [time_call(fn, device) for _ in range(iters)]
    return dict(median_ms=statistics.median(times),
                mean_ms=statistics.fmean(times), min_ms=min(times))


def _status_bytes(key: str) -> int:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(key + ':'):
                return int(line.split()[1]) * 1024
    raise OSError(f'{key} not in /proc/self/status')


class PeakMemory:
    """Context manager: peak memory increase (bytes) inside the block.

    Args:
        device (str): ``'cpu'`` or a CUDA device.

    Attributes:
        peak_bytes (int): Peak increase over the memory in use on entry.
        method (str): How it was measured.
    """

    def __init__(self, device: str) -> None:
        self.device = torch.device(device)
        self.peak_bytes = 0
        self.method = ''
        self._start = 0
        self._sampler: Optional[threading.Thread] = None
        self._stop = threading.Event()
        self._sampled = 0

    def __enter__(self) -> 'PeakMemory':
        if self.device.type == 'cuda':
            synchronize(str(self.device))
            torch.cuda.reset_peak_memory_stats(self.device)
            self._start = torch.cuda.memory_allocated(self.device)
            self.method = 'cuda max_memory_allocated'
            return self
        try:
            ctypes.CDLL('libc.so.6').malloc_trim(0)
        except (OSError, AttributeError):
            pass
        self._start = _status_bytes('VmRSS')
        try:
            with open('/proc/self/clear_refs', 'w') as f:
                f.write('5')
            self.method = 'cpu peak RSS (VmHWM reset via clear_refs)'
        except OSError:
            self.method = 'cpu RSS sampled every 1 ms'
            self._sampled = self._start
            self._sampler = threading.Thread(target=self._sample, daemon=True)
            self._sampler.start()
        return self

    def _sample(self) -> None:
        while not self._stop.is_set():
            self._sampled = max(self._sampled, _status_bytes('VmRSS'))
            time.sleep(1e-3)

    def __exit__(self, *exc) -> None:
        if self.device.type == 'cuda':
            synchronize(str(self.device))
            peak = torch.cuda.max_memory_allocated(self.device)
        elif self._sampler is not None:
            self._stop.set()
            self._sampler.join()
            peak = max(self._sampled, _status_bytes('VmRSS'))
        else:
            peak = _status_bytes('VmHWM')
        self.peak_bytes = max(0, peak - self._start)


class SavedActivations:
    """Context manager: bytes of the tensors autograd saves inside the block.

    Counts each storage once (views of one tensor share it) through
    :func:`torch.autograd.graph.saved_tensors_hooks`. Run a forward pass
    (with its loss) inside: the result is the activation memory held when
    the backward pass starts, where a training step peaks, independent of
    the device and its allocator. Storages in ``exclude`` (the input batch,
    the parameters, which layers save too) are not counted.

    Attributes:
        nbytes (int): The total.
        count (int): Distinct storages.
    """

    def __init__(self, exclude=()) -> None:
        self._exclude = {t.untyped_storage().data_ptr() for t in exclude}
        self._seen: Dict[int, int] = {}
        self._hooks = None
        self.nbytes = 0
        self.count = 0

    def _pack(self, tensor):
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in self._exclude:
            self._seen[storage.data_ptr()] = storage.nbytes()
        return tensor

    def __enter__(self) -> 'SavedActivations':
        self._hooks = torch.autograd.graph.saved_tensors_hooks(
            self._pack, lambda tensor: tensor)
        self._hooks.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._hooks.__exit__(*exc)
        self.nbytes = sum(self._seen.values())
        self.count = len(self._seen)
