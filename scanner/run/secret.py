"""The per-user secret that authenticates what dsql-scan keeps between runs (the result cache's
entries and packs, the run memo), and the open flags that keep its reads from following links.

It lives apart from the cache so that the run memo (``scanner.run.memo``), checked before the
command line is even imported, reads it with the standard library alone.
"""

from __future__ import annotations

import os
import stat

TYPE_CHECKING = False  # the run memo reads the secret before anything else is imported
if TYPE_CHECKING:
    from collections.abc import Mapping

SECRET_ENV = "DSQL_SCAN_CACHE_SECRET"
SECRET_NAME = "secret"
SECRET_BYTES = 32
MIN_ENV_SECRET = 32  # characters of DSQL_SCAN_CACHE_SECRET: shorter is guessable, so ignored

# (descriptors from os.open are not inherited by child processes: PEP 446)
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
TRUSTED_DIRECTORY = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)  # may be reached through links
DIRECTORY = TRUSTED_DIRECTORY | NOFOLLOW
# O_NONBLOCK: a FIFO committed where an entry would be must not block the open
READ = os.O_RDONLY | NOFOLLOW | getattr(os, "O_NONBLOCK", 0)


def secret_directory(environ: Mapping[str, str] = os.environ) -> str:
    """``$XDG_CACHE_HOME/dsql-scan``, else ``~/.cache/dsql-scan`` (the XDG base directory rule:
    a relative ``XDG_CACHE_HOME`` is ignored)."""
    base = environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "dsql-scan")


def read_secret(directory: int) -> bytes | None:
    """The secret file's bytes, when it is a regular file of ours that nobody else may read."""
    try:
        descriptor = os.open(SECRET_NAME, READ, dir_fd=directory)
    except FileNotFoundError:
        return None
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if (
            not stat.S_ISREG(info.st_mode)
            or info.st_uid != os.geteuid()
            or info.st_mode & 0o077
            or info.st_size != SECRET_BYTES
        ):
            raise PermissionError(f"unusable cache secret: {SECRET_NAME}")
        data = handle.read(SECRET_BYTES + 1)
    if len(data) != SECRET_BYTES:
        raise PermissionError(f"unusable cache secret: {SECRET_NAME}")
    return data
