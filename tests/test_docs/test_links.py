"""Every relative link in the README and docs/ resolves, and every repository path
they name exists."""
import glob
import os.path as osp

from tests.test_docs.markdown_links import (ROOT, anchors, broken_links,
                                            github_anchor, links,
                                            missing_repo_paths)


def markdown_pages():
    """The README, every page under docs/ and the model zoo page."""
    pages = [osp.join(ROOT, 'README.md'),
             osp.join(ROOT, 'configs', 'hcml', 'README.md')]
    pages += glob.glob(osp.join(ROOT, 'docs', '**', '*.md'), recursive=True)
    return sorted(pages)


def test_every_relative_link_resolves():
    bad = [line for page in markdown_pages() for line in broken_links(page)]
    assert not bad, 'links to nothing:\n' + '\n'.join(bad)


def test_readme_and_user_docs_name_existing_paths():
    # the pages a user reads as instructions (research write-ups may quote
    # the paths of their own time)
    pages = [osp.join(ROOT, 'README.md')]
    pages += glob.glob(osp.join(ROOT, 'docs', '*.md'))
    bad = [line for page in pages for line in missing_repo_paths(page)]
    assert not bad, 'paths that do not exist:\n' + '\n'.join(bad)


def test_readme_links_the_pages_it_promises():
    with open(osp.join(ROOT, 'README.md'), encoding='utf-8') as f:
        targets = {target for _, target in links(f.read())}
    for page in ('docs/figures/architecture.png', 'docs/getting_started.md',
                 'docs/results_synthetic.md', 'docs/reliability.md',
                 'docs/research/stage1_flow_generalisation/README.md',
                 'docs/research/hierarchy/README.md',
                 'configs/hcml/README.md'):
        assert page in targets, page


def test_github_anchors_by_hand():
    assert github_anchor('Flow of each level (Fig. 3)') == \
        'flow-of-each-level-fig-3'
    assert github_anchor('FLOPs (measured, CPU, `get_flops.py`, 1 clip)') == \
        'flops-measured-cpu-get_flopspy-1-clip'
    assert github_anchor("MMAction2's own tools") == 'mmaction2s-own-tools'
    assert github_anchor('Grad-CAM: baseline vs HCML (Fig. 5, appendix B)') \
        == 'grad-cam-baseline-vs-hcml-fig-5-appendix-b'
    text = '# A\n```bash\n# not a heading\n```\n## A\n'
    assert anchors(text) == {'a', 'a-1'}


def test_the_checks_find_what_is_broken(tmp_path):
    (tmp_path / 'there.md').write_text('# Real heading\n')
    page = tmp_path / 'page.md'
    page.write_text(
        '[ok](there.md) [ok](there.md#real-heading) [web](https://x.org/a)\n'
        '[gone](missing.md)\n'
        '[bad anchor](there.md#no-heading)\n'
        '`[in code](missing_too.md)`\n'
        '```\n[in a block](missing_three.md)\n```\n'
        'see `tools/no_such_tool.py CONFIG` and tools/train.py\n')
    bad = broken_links(str(page))
    assert len(bad) == 2, bad
    assert 'missing.md (no such file)' in bad[0]
    assert 'there.md#no-heading (no such heading)' in bad[1]
    missing = missing_repo_paths(str(page))
    assert len(missing) == 1 and missing[0].endswith('tools/no_such_tool.py')
