"""tools/train.py and tools/test.py destroy the process group as they end.

Left alive, gloo's worker threads meet the interpreter's teardown, which
aborts at random ('terminate called without an active exception'), so
tools/dist_train.sh reported finished runs as failed. The runner holds the
group (DDP) from inside reference cycles, so it must be collected first."""
import gc
import weakref

import pytest
import torch.distributed as dist

from mmhcml.cli import test as test_cli
from mmhcml.cli import train as train_cli


class FakeRunner:
    """Stands in for the runner; ``fail`` makes it raise mid-run."""

    def __init__(self, fail, distributed=True):
        self.fail = fail
        self.distributed = distributed

    def _run(self):
        assert dist.is_initialized() == self.distributed
        if self.fail:
            raise RuntimeError('a rank failed')
        return dict(acc=1.0)

    train = test = _run


@pytest.mark.parametrize('cli', [train_cli, test_cli], ids=['train', 'test'])
@pytest.mark.parametrize('fail', [False, True], ids=['ends', 'raises'])
def test_the_command_destroys_its_process_group(cli, fail, tmp_path,
                                                monkeypatch):
    monkeypatch.setattr(cli, 'prepare_runner',
                        lambda *args: FakeRunner(fail))
    cli_args = 1 if cli is train_cli else 2
    dist.init_process_group('gloo', init_method=f'file://{tmp_path}/store',
                            rank=0, world_size=1)
    try:
        if fail:
            with pytest.raises(RuntimeError, match='a rank failed'):
                cli.main(['config.py', 'epoch_1.pth'][:cli_args])
        else:
            cli.main(['config.py', 'epoch_1.pth'][:cli_args])
        assert not dist.is_initialized()
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


def test_without_a_process_group_nothing_is_destroyed(monkeypatch):
    monkeypatch.setattr(train_cli, 'prepare_runner',
                        lambda *args: FakeRunner(False, False))
    assert not dist.is_initialized()
    train_cli.main(['config.py'])
    assert not dist.is_initialized()


def test_the_runner_is_collected_before_the_group_is_destroyed(
        tmp_path, monkeypatch):
    runners, seen = [], []

    def prepare_runner(*args):
        runner = FakeRunner(False)
        runner.loop = runner  # mmengine's loops point back at the runner
        runners.append(weakref.ref(runner))
        return runner

    destroy = dist.destroy_process_group

    def recording_destroy(*args, **kwargs):
        seen.append(runners[0]() is None)
        destroy(*args, **kwargs)

    monkeypatch.setattr(train_cli, 'prepare_runner', prepare_runner)
    monkeypatch.setattr(dist, 'destroy_process_group', recording_destroy)
    dist.init_process_group('gloo', init_method=f'file://{tmp_path}/store',
                            rank=0, world_size=1)
    gc.disable()  # no collection by chance: only the command's own
    try:
        train_cli.main(['config.py'])
    finally:
        gc.enable()
        if dist.is_initialized():
            destroy()
    assert seen == [True]
