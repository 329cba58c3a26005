"""Fixtures of the profiling tools' tests: the tiny baseline / HCML config
pair the command-line tools compare, and a runner for those tools."""
import subprocess
import sys

import pytest
from mmengine.config import Config

from tests.conftest import TINY_PREPROCESSOR, TINY_R2D, tiny_model_cfg


@pytest.fixture
def tiny_config_paths(tmp_path):
    """``(baseline, hcml)`` config files in ``tmp_path``: the tiny R2D
    recognizer (4 classes) and the tiny HCML model on the same backbone."""
    base = dict(type='Recognizer3D', backbone=TINY_R2D,
                cls_head=dict(type='I3DHead', num_classes=4, in_channels=64),
                data_preprocessor=TINY_PREPROCESSOR)
    paths = []
    for name, model in (('base', base), ('hcml', tiny_model_cfg())):
        path = tmp_path / f'{name}.py'
        Config(dict(model=model)).dump(str(path))
        paths.append(str(path))
    return tuple(paths)


@pytest.fixture
def run_tool():
    """``run_tool(script, *args, timeout=300)``: the finished process of
    ``python script args`` (run from the repository root, output captured
    as text)."""

    def run(script, *args, timeout=300):
        return subprocess.run([sys.executable, script, *map(str, args)],
                              capture_output=True, text=True,
                              timeout=timeout)

    return run
