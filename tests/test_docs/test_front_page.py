"""The README reads as a front page, the docs stay small, and nothing in the README,
docs/ or configs/ speaks of how the work was organised."""
import glob
import os
import os.path as osp
import re
import tokenize

from tests.test_docs.markdown_links import ROOT, headings

README = osp.join(ROOT, 'README.md')

#: the front page's sections, in order
SECTIONS = ['Overview', 'Quick start', 'Installation', 'Data preparation',
            'Training and testing', 'Model zoo', 'Evidence', 'Tools',
            'Reliability', 'Citation', 'License']
EVIDENCE = ['Synthetic motion benchmark (Table 2)', 'Real-footage flow',
            'The motion hierarchy']

#: words of a work log, not of a product (``round`` alone is Python's, so only
#: ``round 5``, ``rounds``, ``this round`` ... count in code)
_HISTORY_PROSE = re.compile(
    r'\brounds?\b|\bissues?\b|\bsessions?\b|\bthis stop\b', re.I)
_HISTORY_CODE = re.compile(
    r'\bround\s*\d+|\brounds\b|\b(this|previous|last|next) round\b'
    r'|\bissues?\b|\bsessions?\b|\bthis stop\b', re.I)


def read(path):
    with open(path, encoding='utf-8') as f:
        return f.read()


def history_words(path):
    """``'file:line: text'`` for each history word in a page's text or in a
    Python file's comments and strings."""
    rel = osp.relpath(path, ROOT)
    if not path.endswith('.py'):
        return [f'{rel}:{n}: {line.strip()}'
                for n, line in enumerate(read(path).splitlines(), 1)
                if _HISTORY_PROSE.search(line)]
    bad = []
    with open(path, 'rb') as f:
        for tok in tokenize.tokenize(f.readline):
            if tok.type in (tokenize.COMMENT, tokenize.STRING) and \
                    _HISTORY_CODE.search(tok.string):
                bad.append(f'{rel}:{tok.start[0]}: {tok.string.strip()[:80]}')
    return bad


def test_readme_is_a_front_page():
    text = read(README)
    assert len(text.splitlines()) <= 300
    assert headings(text, 2) == SECTIONS
    assert headings(text, 3) == EVIDENCE
    assert 'docs/figures/architecture.png' in text.split('## Quick start')[0]


def test_quick_start_test_command_is_the_ci_command():
    ci = [line.strip() for line in read(osp.join(ROOT, '.ci', 'run')).splitlines()
          if line.strip() and not line.startswith('#')]
    command = ci[-1]
    assert command == ('pip install torch==2.13.0 -e ".[tests]" && '
                       'python -m pytest tests')
    quick = read(README).split('## Quick start')[1].split('## ')[0]
    block = quick.split('```bash\n')[1].split('```')[0].splitlines()
    assert block == ['pip install torch==2.13.0 -e . && '
                     'python tools/benchmarks/run_synthetic_benchmark.py', command]


def test_no_work_log_words():
    paths = [README, osp.join(ROOT, 'model-index.yml')]
    for pattern in ('docs/**/*.md', 'docs/**/*.py', 'configs/**/*.py',
                    'configs/**/*.md', 'configs/**/*.yml'):
        paths += glob.glob(osp.join(ROOT, pattern), recursive=True)
    bad = [line for path in sorted(paths) for line in history_words(path)]
    assert not bad, 'work-log words:\n' + '\n'.join(bad)


def test_history_check_finds_them(tmp_path):
    page = tmp_path / 'page.md'
    page.write_text('Measured this round.\nA clean line.\nSee issue 12.\n')
    found = history_words(str(page))
    assert [line.split(': ')[0].rsplit(':', 1)[1] for line in found] == \
        ['1', '3']
    code = tmp_path / 'code.py'
    code.write_text("x = round(2.5)\nstyle = 'round,pad=0.1'\n"
                    '# chosen in round 5\n')
    assert len(history_words(str(code))) == 1


def test_docs_under_one_megabyte():
    total = sum(osp.getsize(p) for p in glob.glob(
        osp.join(ROOT, 'docs', '**', '*'), recursive=True) if osp.isfile(p))
    assert total < 1_000_000, f'docs/ holds {total / 1e6:.2f} MB'


def test_no_raw_logs_in_docs():
    # compact results only (JSON, one plot); commands regenerate the logs,
    # except the benchmark's device logs that its page quotes
    logs = [osp.relpath(p, ROOT) for p in glob.glob(
        osp.join(ROOT, 'docs', '**', '*.log'), recursive=True)]
    assert all(re.match(r'docs/results/h100_\w+\.log$', p) for p in logs), \
        logs
    assert not [p for p in glob.glob(osp.join(ROOT, 'docs', '**', '*.jsonl'),
                                     recursive=True)]
    assert os.path.isdir(osp.join(ROOT, 'docs', 'research'))
