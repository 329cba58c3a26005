import os
import subprocess
import sys

import pytest

from mmhcml.profiling.soak import memory_growth, process_tree_rss


def test_memory_growth_compares_warm_and_final_levels():
    flat = [[i, 100 * 2**20, 0.0] for i in range(20)]
    assert memory_growth(flat)['growth'] == 0.0
    leaking = [[i, (100 + i) * 2**20, 0.0] for i in range(20)]
    out = memory_growth(leaking)
    assert out['warm_rss_mib'] == pytest.approx(102.5)
    assert out['final_rss_mib'] == pytest.approx(118.5)
    assert out['growth'] == pytest.approx(16 / 102.5)
    with pytest.raises(ValueError, match='at least 10 samples'):
        memory_growth(flat[:5])


def test_process_tree_rss_counts_children():
    alone = process_tree_rss()
    child = subprocess.Popen([sys.executable, '-c',
                              'import time; x = bytearray(50 * 2**20); '
                              'time.sleep(20)'])
    try:
        import time
        for _ in range(100):
            if process_tree_rss() > alone + 40 * 2**20:
                break
            time.sleep(0.1)
        assert process_tree_rss() > alone + 40 * 2**20
        assert process_tree_rss(child.pid) >= 40 * 2**20
    finally:
        child.kill()
    assert alone > 0 and os.getpid() > 0
