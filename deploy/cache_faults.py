"""Make nginx's cache directory unwritable for a while: read-only, or a full disk of its own.

Used by deploy/cluster_test.py (step 6); each fault is a context manager that undoes itself.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def read_only(cache: Path) -> Iterator[str]:
    """Every directory and file of the cache without its write bits (nginx's workers, root's
    children or not, then cannot create a file or directory in it)."""
    paths = [cache, *cache.rglob("*")]
    modes = {path: path.stat().st_mode for path in paths}
    try:
        for path, mode in modes.items():
            path.chmod(stat.S_IMODE(mode) & ~0o222)
        yield f"{cache} read-only ({len(paths)} directories and files, chmod a-w)"
    finally:
        for path, mode in modes.items():
            with contextlib.suppress(FileNotFoundError):
                path.chmod(stat.S_IMODE(mode))


@contextlib.contextmanager
def full_disk(cache: Path, size: str = "64k") -> Iterator[str | None]:
    """A tmpfs of `size` mounted on the cache directory (owned by the cache's owner) and filled
    to the last byte; unmounted after, which brings the cache back as it was. Yields None when
    it cannot mount (not root, or a container without the right): the caller says so."""
    owner = cache.stat()
    options = f"size={size},mode=0700,uid={owner.st_uid},gid={owner.st_gid}"
    mount = ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(cache)]
    if os.geteuid() != 0 or subprocess.run(mount, check=False).returncode != 0:
        yield None
        return
    try:
        filled = 0
        with (cache / "filler").open("wb", buffering=0) as filler:
            try:
                while written := filler.write(b"\0" * 4096):
                    filled += written
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
        yield f"{cache} on a {size} tmpfs, full ({filled:,} bytes of filler)"
    finally:
        subprocess.run(["umount", str(cache)], check=True)
