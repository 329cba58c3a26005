"""docs/getting_started.md runs as written: the small run on CPU with 2 gloo
processes (schedule, dist_test, strip, test of the stripped model, demo)
and the MMAction2 API snippet on an mp4, on a 4-class Something-V1 in the
documented layout made from the synthetic renderer's videos."""
import os
import os.path as osp
import re
import shutil
import subprocess
import sys

from tests.test_tools.fake_sthv1 import make_fake_sthv1

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DOC = osp.join(ROOT, 'docs', 'getting_started.md')


def doc_blocks():
    """``{'bash': ..., 'python': ...}``: the code blocks marked tested."""
    with open(DOC) as f:
        text = f.read()
    blocks = re.findall(
        r'<!-- tested: tests/test_tools/test_getting_started.py -->\n'
        r'```(\w+)\n(.*?)```', text, re.S)
    return {lang: code for lang, code in blocks}


def test_the_small_run_block_and_the_api_snippet_run_as_written(
        rendered_benchmark, tmp_path):
    blocks = doc_blocks()
    assert set(blocks) == {'bash', 'python'}
    for name in ('tools', 'configs'):
        os.symlink(osp.join(ROOT, name), tmp_path / name)
    data = make_fake_sthv1(rendered_benchmark, tmp_path / 'data' / 'sthv1')
    assert data['ann_file_train'] == str(
        tmp_path / 'data/sthv1/sthv1_train_list_rawframes.txt')
    shutil.copy(osp.join(rendered_benchmark['root'], 'videos', 'val',
                         'move_up_0000.mp4'), tmp_path / 'clip.mp4')
    env = dict(os.environ, PORT='29547', OMP_NUM_THREADS='1',
               PATH=osp.dirname(sys.executable) + os.pathsep +
               os.environ['PATH'])
    run = subprocess.run(['bash', '-e', '-c', blocks['bash']],
                         capture_output=True, text=True, cwd=tmp_path,
                         env=env, timeout=1200)
    log = run.stdout + run.stderr
    assert run.returncode == 0, log[-5000:]
    small = tmp_path / 'work_dirs' / 'small'
    for stage in ('stage1', 'stage2', 'stage3', 'joint'):
        assert f'] {stage} done in' in run.stdout
        assert (small / f'{stage}_sthv1' / 'epoch_1.pth').is_file()
    # 2 processes, gloo chosen without being asked for
    assert 'gloo instead of nccl' in log
    # the flip pairs of 174 classes are dropped for 4, nothing crashes
    assert 'flip_label_map: the pairs of labels [2, 4, 30, 41, 52, 66]' in log
    # dist_test and the stripped model's test: 9 views per video
    assert log.count('views per video: 3 clips x 3 crops = 9 views') == 2
    assert log.count('Epoch(test) [') >= 2 and 'acc/top1' in log
    assert (small / 'deploy' / 'epoch_1_deploy.pth').is_file()
    # the demo prints the top classes of the video (4 of them)
    assert 'top-4 of clip.mp4:' in run.stdout

    api = subprocess.run([sys.executable, '-c', blocks['python']],
                         capture_output=True, text=True, cwd=tmp_path,
                         env=env, timeout=600)
    assert api.returncode == 0, (api.stdout + api.stderr)[-4000:]
    line = [l for l in api.stdout.splitlines() if l.startswith('class ')][-1]
    scores = eval(line.split('scores ')[1])
    assert len(scores) == 4 and abs(sum(scores) - 1) < 1e-4
    assert int(line.split()[1]) == scores.index(max(scores))
