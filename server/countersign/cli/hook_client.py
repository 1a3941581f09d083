"""The commit hook's client of the hook daemon (``cli.hook_daemon``).

The shim runs it as ``python -I -S FILE HOOK ARGS...``: no ``site``, no third-party package,
nothing but a few built-in modules, so it starts in about 7 ms where importing countersign
takes 60. It hands git's arguments, the working directory and the environment to the
repository's daemon and writes back what the hook printed.

Exit 0: the daemon ran the hook. Exit 75: the shim runs the hook in-process instead, as it
always did: no daemon yet (this client starts one for the next commit), a daemon that
stopped, is busy, failed, or runs outdated code, ``COUNTERSIGN_HOOK_DAEMON=0``, or a
platform without ``SO_PEERCRED``. Nothing here can lose a stamp: every doubt falls back.

Only built-in modules: this file must stay importable without ``site`` (the shim passes
``-I -S``) and must not import countersign.
"""

from __future__ import annotations

import _socket
import os
import sys

FALLBACK = 75
PROTOCOL = b"countersign-hook/1"
REPLY_TIMEOUT = 60.0
"""Seconds to wait for the daemon's answer (a commit of a huge index takes long); after
that the hook runs in-process."""
_UCRED = 12
"""``struct ucred`` (pid, uid, gid: three 32-bit ints), what ``SO_PEERCRED`` returns."""


def main(argv: list[str]) -> int:
    if os.environ.get("COUNTERSIGN_HOOK_DAEMON", "1") == "0" or len(argv) < 2:
        return FALLBACK
    if not hasattr(_socket, "SO_PEERCRED") or not hasattr(_socket, "AF_UNIX"):
        return FALLBACK
    git_dir = _git_dir()
    if git_dir is None:
        return FALLBACK
    cwd = os.getcwd()
    directory = os.path.join(git_dir, "countersign", "daemon")
    state = _private(directory)
    if state == "unsafe":
        sys.stderr.write(f"countersign: {directory} is not a private directory of this user; "
                         "the hook runs without its daemon\nhint: remove it: rm -r "
                         f"{directory}\n")
        return FALLBACK
    reply = _ask(directory, cwd, argv[1:]) if state == "ok" else None
    if reply is None or reply.startswith(b"stale\n"):
        _start(os.path.join(cwd, git_dir), cwd)
        return FALLBACK
    if not reply.startswith(b"ok\n"):
        return FALLBACK
    return _relay(reply[3:])


def _git_dir() -> str | None:
    """This worktree's git directory as git gave it to the hook (hooks run at the top of
    the working tree): ``$GIT_DIR``, ``.git``, or the ``gitdir:`` a ``.git`` file names."""
    if os.environ.get("GIT_DIR"):
        return os.environ["GIT_DIR"]
    if os.path.isdir(".git"):
        return ".git"
    try:
        with open(".git", encoding="utf-8") as link:
            first = link.readline()
    except OSError:
        return None
    return first[len("gitdir:"):].strip() if first.startswith("gitdir:") else None


def _private(directory: str) -> str:
    """``ok``: a directory of this user no one else may enter; ``absent``; ``unsafe``."""
    try:
        info = os.lstat(directory)
    except FileNotFoundError:
        return "absent"
    except OSError:
        return "unsafe"
    is_dir = info.st_mode & 0o170000 == 0o040000
    return "ok" if is_dir and info.st_uid == os.getuid() and not info.st_mode & 0o077 else (
        "unsafe")


def _request(cwd: str, hook_args: list[str]) -> bytes:
    """Protocol, hook, cwd, the shim's pid, argument count, arguments, ``KEY=VALUE``s:
    NUL-separated (none of them can hold a NUL)."""
    fields = [PROTOCOL, os.fsencode(hook_args[0]), os.fsencode(cwd), b"%d" % os.getppid(),
              b"%d" % (len(hook_args) - 1), *map(os.fsencode, hook_args[1:])]
    fields += [os.fsencode(k) + b"=" + os.fsencode(v) for k, v in os.environ.items()]
    return b"\0".join(fields)


def _ask(directory: str, cwd: str, hook_args: list[str]) -> bytes | None:
    """The daemon's reply, or None when there is no daemon to answer (start one)."""
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        os.chdir(directory)  # a relative name: the socket path limit (108 bytes) never binds
        try:
            sock.connect("socket")
        finally:
            os.chdir(cwd)
    except OSError:
        sock.close()
        return None
    try:
        cred = sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, _UCRED)
        uid = int.from_bytes(cred[4:8], sys.byteorder)
        if uid != os.getuid():  # another user's process: never send it our environment
            sys.stderr.write(f"countersign: the hook daemon's socket in {directory} belongs "
                             f"to another user (uid {uid}); the hook runs without it\n"
                             f"hint: stop that process and remove the directory: rm -r "
                             f"{directory}\n")
            return b"refused\n"
        sock.settimeout(REPLY_TIMEOUT)
        sock.sendall(_request(cwd, hook_args))
        sock.shutdown(_socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks) or b"closed\n"
    except OSError:
        return b"failed\n"  # busy or gone mid-way: in-process this time, no second daemon
    finally:
        sock.close()


def _relay(body: bytes) -> int:
    """Write what the hook printed: ``<stdout length>\\n<stdout><stderr>``."""
    size, _, rest = body.partition(b"\n")
    if not size.isdigit():
        return FALLBACK
    sys.stdout.buffer.write(rest[:int(size)])
    sys.stdout.flush()
    sys.stderr.buffer.write(rest[int(size):])
    sys.stderr.flush()
    return 0


def _start(git_dir: str, cwd: str) -> None:
    """Start the daemon for the next commits, detached (its own session, no inherited
    descriptors: git and whoever reads its output never wait for it)."""
    import contextlib
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    with contextlib.suppress(OSError):
        subprocess.Popen(
            [sys.executable, "-m", "countersign", "hook", "daemon", git_dir, cwd],
            cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, close_fds=True, start_new_session=True)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
