"""Read links, headings and repository paths out of the project's Markdown.

A small, dependency-free reader for the checks in ``test_links.py``: it drops fenced
code blocks and inline code spans before it looks for ``[text](target)`` links, and
turns headings into the anchors GitHub gives them.
"""
import os.path as osp
import re
from typing import Dict, Iterator, List, Set, Tuple

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

_FENCE = re.compile(r'^\s*(```|~~~)')
_LINK = re.compile(r'!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)')
_CODE_SPAN = re.compile(r'(`+)(.+?)\1')
_HEADING = re.compile(r'^(#{1,6})\s+(.*?)\s*#*\s*$')
#: A repository path as it appears in prose or commands: one of the top-level
#: folders, then path characters only (no ``{a,b}``, ``*``, ``<name>``, ``...``),
#: ending in a file extension.
_REPO_PATH = re.compile(
    r'(?<![\w./-])((?:tools|configs|mmhcml|docs|tests)/[\w./-]*?'
    r'\.(?:py|sh|md|json|yml|yaml|png|txt))(?![\w/{}*<>-])')


def prose_lines(text: str) -> Iterator[Tuple[int, str, bool]]:
    """Yield ``(line number, line, inside a fenced code block)``."""
    fenced = False
    for number, line in enumerate(text.splitlines(), 1):
        if _FENCE.match(line):
            fenced = not fenced
            yield number, line, True
            continue
        yield number, line, fenced


def links(text: str) -> List[Tuple[int, str]]:
    """Every Markdown link or image target outside code, with its line."""
    found = []
    for number, line, fenced in prose_lines(text):
        if fenced:
            continue
        line = _CODE_SPAN.sub('', line)
        found += [(number, m.group(1)) for m in _LINK.finditer(line)]
    return found


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped
    (``-`` and ``_`` kept), spaces to ``-``; links and code marks unwrapped."""
    heading = re.sub(r'!?\[([^\]]*)\]\([^)]*\)', r'\1', heading)
    heading = re.sub(r'<[^>]+>', '', heading)
    heading = heading.strip().lower()
    heading = re.sub(r'[^\w\- ]', '', heading)
    return heading.replace(' ', '-')


def anchors(text: str) -> Set[str]:
    """Anchors of every heading outside code (repeats get ``-1``, ``-2``)."""
    seen: Dict[str, int] = {}
    result = set()
    for _, line, fenced in prose_lines(text):
        match = None if fenced else _HEADING.match(line)
        if not match:
            continue
        anchor = github_anchor(match.group(2))
        if anchor in seen:
            seen[anchor] += 1
            anchor = f'{anchor}-{seen[anchor]}'
        else:
            seen[anchor] = 0
        result.add(anchor)
    return result


def headings(text: str, level: int) -> List[str]:
    """The text of the headings of one level, in order, outside code."""
    found = []
    for _, line, fenced in prose_lines(text):
        match = None if fenced else _HEADING.match(line)
        if match and len(match.group(1)) == level:
            found.append(match.group(2))
    return found


def broken_links(path: str) -> List[str]:
    """``'file:line: target (why)'`` for each relative link of ``path`` that
    names no existing file or folder, or a heading its page lacks."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    rel = osp.relpath(path, ROOT)
    bad = []
    for number, target in links(text):
        if re.match(r'^[a-z][a-z0-9+.-]*:', target, re.I):   # http:, mailto:
            continue
        file_part, _, anchor = target.partition('#')
        dest = (osp.normpath(osp.join(osp.dirname(path), file_part))
                if file_part else path)
        if not osp.exists(dest):
            bad.append(f'{rel}:{number}: {target} (no such file)')
            continue
        if anchor and dest.endswith('.md'):
            with open(dest, encoding='utf-8') as f:
                if anchor not in anchors(f.read()):
                    bad.append(f'{rel}:{number}: {target} (no such heading)')
    return bad


def missing_repo_paths(path: str) -> List[str]:
    """``'file:line: path'`` for each repository path written in ``path``'s
    prose, code spans or commands that does not exist."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    rel = osp.relpath(path, ROOT)
    bad = []
    for number, line, _ in prose_lines(text):
        for match in _REPO_PATH.finditer(line):
            if not osp.exists(osp.join(ROOT, match.group(1))):
                bad.append(f'{rel}:{number}: {match.group(1)}')
    return bad
