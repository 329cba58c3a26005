"""One check for hook arguments given in a config: a name the hook does not
take is refused when the hook is built, not at its first use."""
import difflib
from typing import Iterable, Sequence

__all__ = ['check_known_arguments']


def check_known_arguments(kwargs: Iterable[str], known: Sequence[str],
                          owner: str, takes: str) -> None:
    """``ValueError`` naming the first of ``kwargs`` not in ``known``.

    Args:
        kwargs (Iterable[str]): The argument names the config gives.
        known (Sequence[str]): The names the hook takes.
        owner (str): Who is refusing, the start of the message (e.g.
            ``'default_hooks.checkpoint'``).
        takes (str): The end of the message, what the hook takes instead.

    Raises:
        ValueError: ``"<owner>: unknown argument 'x' (did you mean 'y'?)"``,
            then ``takes``; the hint is left out when no name is close.
    """
    for key in kwargs:
        if key not in known:
            close = difflib.get_close_matches(key, list(known), n=1)
            hint = f' (did you mean {close[0]!r}?)' if close else ''
            raise ValueError(f'{owner}: unknown argument {key!r}{hint}{takes}')
