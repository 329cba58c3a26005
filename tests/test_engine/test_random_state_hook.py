"""RandomStateHook: a resumed run draws the numbers the interrupted one
would have drawn next (Python, numpy and torch generators)."""
import random
from types import SimpleNamespace
from unittest import mock

import numpy as np
import torch

from mmaction.registry import HOOKS


def draws():
    return (random.random(), float(np.random.rand()), float(torch.rand(1)))


def runner(resume):
    return SimpleNamespace(_resume=resume, logger=mock.MagicMock())


def test_resume_continues_every_generator():
    hook = HOOKS.build(dict(type='RandomStateHook'))
    assert hook.priority == 'VERY_LOW'
    random.seed(1), np.random.seed(1), torch.manual_seed(1)
    checkpoint = {}
    hook.before_save_checkpoint(runner(False), checkpoint)
    expected = draws()  # what the run drew after saving
    random.seed(7), np.random.seed(7), torch.manual_seed(7)  # a re-seed
    resumed = HOOKS.build(dict(type='RandomStateHook'))
    resumed.after_load_checkpoint(runner(True), checkpoint)
    resumed.before_train(runner(True))
    assert draws() == expected


def test_no_restore_without_resume_or_state():
    hook = HOOKS.build(dict(type='RandomStateHook'))
    checkpoint = {}
    hook.before_save_checkpoint(runner(False), checkpoint)
    hook.after_load_checkpoint(runner(False), checkpoint)
    torch.manual_seed(3)
    expected = torch.rand(1)
    torch.manual_seed(3)
    hook.before_train(runner(False))  # loaded to fine-tune: not resumed
    assert torch.equal(torch.rand(1), expected)
    logged = runner(True)
    hook.after_load_checkpoint(logged, {})
    assert 'holds no random state' in logged.logger.info.call_args[0][0]
    torch.manual_seed(3)
    hook.before_train(logged)
    assert torch.equal(torch.rand(1), expected)
