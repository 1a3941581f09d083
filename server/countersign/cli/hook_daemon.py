"""The hook daemon: prepare-commit-msg run by a resident process, one per repository.

Why: the in-process hook spends ~70 of its ~120 ms starting Python, importing countersign
and building the rule set, the same work at every commit. The daemon does that once; the
shim's client (``cli.hook_client``) starts without ``site`` in ~7 ms and hands it git's
arguments, the working directory and the environment. The daemon then runs the very same
``hook_run.prepare_commit_msg`` in that directory with that environment (``GIT_INDEX_FILE``,
``GIT_AUTHOR_*``, ``GIT_REFLOG_ACTION``...), so its result is the in-process one.

Safety: the socket lives in ``<git dir>/countersign/daemon/``, a directory of mode 0700
that both sides check belongs to this user; each side checks the other's uid
(``SO_PEERCRED``) and refuses another user. Freshness: a change to countersign's code (or
to the installed packages) makes the daemon answer ``stale`` and exit, and the hook runs
in-process while a new daemon starts; a change to the repository's configuration or rule
packs reloads them. It exits after ``IDLE_SECONDS`` without a commit, when its socket is
removed (the repository deleted, ``hook uninstall``), or on ``hook daemon --stop``. Any
failure in it makes the client run the hook in-process.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import select
import socket
import stat
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO

import countersign
from countersign.cli import hook_run
from countersign.cli.common import Context, load_context
from countersign.core.rulepack import builtin_rules_dir

PROTOCOL = b"countersign-hook/1"
IDLE_SECONDS = 1800.0
"""Half an hour without a commit and the daemon exits; the next commit starts it again."""
CHECK_SECONDS = 2.0
"""How often an idle daemon checks that its socket is still its own."""
MAX_REQUEST = 8 << 20
_UCRED = 12
_STOP = b"stop"
_SAME_PYTHON = ("PYTHONPATH", "PYTHONHOME", "PYTHONSAFEPATH")
"""A request whose Python would load other code than the daemon's is run in-process."""


def daemon_dir(git_dir: Path) -> Path:
    return git_dir / "countersign" / "daemon"


def code_fingerprint() -> tuple[tuple[str, int, int], ...]:
    """What identifies the code the daemon runs: every source file and built-in rule pack
    of countersign, and the directories packages are installed in (pip changes them)."""
    roots = [Path(countersign.__file__).parent, builtin_rules_dir()]
    found = []
    for root in roots:
        for folder, subdirs, names in os.walk(root):
            subdirs[:] = [d for d in subdirs if d != "__pycache__"]
            for name in names:
                if name.endswith((".py", ".toml")):
                    found.append(_stat(os.path.join(folder, name)))
    found += [_stat(p) for p in sys.path if p.endswith("-packages")]
    return tuple(found)


def _stat(path: str) -> tuple[str, int, int]:
    try:
        info = os.stat(path)
    except OSError:
        return (path, -1, -1)
    return (path, info.st_mtime_ns, info.st_size)


class Contexts:
    """Configuration and rules per working tree, reloaded when a file they came from
    changes (``.countersign.toml``, ``pyproject.toml``, the extra packs)."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, ...], tuple[tuple[tuple[str, int, int], ...], Context]] = {}

    def get(self, cwd: str, env: Mapping[str, str]) -> Context:
        key = (cwd, *(env.get(k, "") for k in ("GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR")))
        known = self._known.get(key)
        if known is not None and known[0] == _sources(known[1]):
            return known[1]
        context = load_context(Path(cwd))
        self._known[key] = (_sources(context), context)
        return context


def _sources(context: Context) -> tuple[tuple[str, int, int], ...]:
    root = context.workspace.root
    files = [root / ".countersign.toml", root / "pyproject.toml", *context.config.packs]
    return tuple(_stat(str(p)) for p in files)


def serve(git_dir: Path, warm: Path | None = None, idle: float = IDLE_SECONDS) -> int:
    """Run the daemon of ``git_dir`` until idle, stale or stopped (0), or say why not (1)."""
    if not hasattr(socket, "SO_PEERCRED"):
        return 1
    directory = daemon_dir(git_dir)
    if not _make_private(directory):
        return 1
    with open(directory / "lock", "a") as lock:
        if not _lock(lock):
            return 0  # another daemon serves this repository
        os.chdir(directory)
        contexts, code = Contexts(), code_fingerprint()
        if warm is not None:
            with contextlib.suppress(Exception):
                contexts.get(str(warm), os.environ)
        listener, inode = _listen()
        try:
            _loop(listener, inode, contexts, code, idle)
        finally:
            listener.close()
            _unlink_own(inode)
    return 0


def _make_private(directory: Path) -> bool:
    """Create ``directory`` with mode 0700; False when it is not a directory of this user
    that no one else may enter (the client refuses it too, and says to remove it)."""
    with contextlib.suppress(FileExistsError):
        directory.mkdir(parents=True, mode=0o700)
    info = directory.lstat()
    return (stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()
            and not info.st_mode & 0o077)


def _lock(lock: IO[str]) -> bool:
    """Hold the daemon lock; waits a little for a daemon that is exiting."""
    for _ in range(40):
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            time.sleep(0.05)
    return False


def _listen() -> tuple[socket.socket, int]:
    """The listening socket, readable and writable by this user only, and its inode."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink("socket")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o077)
    try:
        listener.bind("socket")
    finally:
        os.umask(old)
    os.chmod("socket", 0o600)
    listener.listen(16)
    return listener, os.stat("socket").st_ino


def _owns_socket(inode: int) -> bool:
    """Whether ``socket`` is still the one this daemon bound (not removed, not replaced)."""
    try:
        return os.stat("socket").st_ino == inode
    except OSError:
        return False


def _unlink_own(inode: int) -> None:
    if _owns_socket(inode):
        with contextlib.suppress(OSError):
            os.unlink("socket")


def _loop(listener: socket.socket, inode: int, contexts: Contexts, code: object,
          idle: float) -> None:
    last = time.monotonic()
    while True:
        ready, _, _ = select.select([listener], [], [], CHECK_SECONDS)
        if not ready:
            if time.monotonic() - last > idle or not _owns_socket(inode):
                return
            continue
        conn, _ = listener.accept()
        with conn:
            outcome = _serve_one(conn, inode, contexts, code)
        last = time.monotonic()
        if outcome in ("stale", "stop"):
            return


def _serve_one(conn: socket.socket, inode: int, contexts: Contexts, code: object) -> str:
    """Answer one client; returns ``ok``, ``fallback``, ``stale``, ``stop`` or ``refused``."""
    cred = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _UCRED)
    if int.from_bytes(cred[4:8], sys.byteorder) != os.getuid():
        return "refused"
    conn.settimeout(10)
    try:
        request = _receive(conn)
    except (OSError, ValueError):
        return "fallback"
    if request == _STOP:
        _unlink_own(inode)
        conn.sendall(b"stopped\n")
        return "stop"
    if code_fingerprint() != code:
        _unlink_own(inode)  # the client starts a new daemon at once
        conn.sendall(b"stale\n")
        return "stale"
    reply = _run(request, contexts)
    with contextlib.suppress(OSError):
        conn.sendall(reply)
    return "ok" if reply.startswith(b"ok\n") else "fallback"


def _receive(conn: socket.socket) -> bytes:
    chunks, size = [], 0
    while chunk := conn.recv(65536):
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_REQUEST:
            raise ValueError("request too large")
    return b"".join(chunks)


def _run(request: bytes, contexts: Contexts) -> bytes:
    """Run the hook a request asks for, as the shim would have in-process."""
    try:
        hook, cwd, parent, args, env = _parse(request)
    except (ValueError, IndexError):
        return b"fallback\nmalformed request\n"
    if hook != "prepare-commit-msg" or any(env.get(k) != os.environ.get(k)
                                           for k in _SAME_PYTHON):
        return b"fallback\nnot for the daemon\n"
    out, err = io.StringIO(), io.StringIO()
    try:
        with _as_client(cwd, env), contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(err):
            hook_run.prepare_commit_msg(args, contexts.get(cwd, env), parent)
    except Exception as exc:  # in-process, the hook reports it (and logs it) itself
        _note_failure(exc)
        return b"fallback\n" + repr(exc).encode("utf-8", "replace") + b"\n"
    printed = out.getvalue().encode("utf-8", "surrogateescape")
    return (b"ok\n%d\n" % len(printed) + printed
            + err.getvalue().encode("utf-8", "surrogateescape"))


def _parse(request: bytes) -> tuple[str, str, int, list[str], dict[str, str]]:
    fields = request.split(b"\0")
    if fields[0] != PROTOCOL:
        raise ValueError("another protocol")
    count = int(fields[4])
    args = [os.fsdecode(a) for a in fields[5:5 + count]]
    env = {}
    for item in fields[5 + count:]:
        key, sep, value = item.partition(b"=")
        if sep:
            env[os.fsdecode(key)] = os.fsdecode(value)
    return os.fsdecode(fields[1]), os.fsdecode(fields[2]), int(fields[3]), args, env


@contextlib.contextmanager
def _as_client(cwd: str, env: Mapping[str, str]) -> Iterator[None]:
    """Within the block this process has the client's directory and environment (git
    subprocesses inherit both)."""
    home, saved = os.getcwd(), dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        os.chdir(cwd)
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        os.chdir(home)


def _note_failure(exc: Exception) -> None:
    """Keep the last failure in ``log`` next to the socket (the hook itself says more when
    it runs in-process)."""
    with contextlib.suppress(OSError), open("log", "a", encoding="utf-8") as log:
        log.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {type(exc).__name__}: {exc}\n")


@contextlib.contextmanager
def _connected(git_dir: Path) -> Iterator[socket.socket]:
    """A connection to the daemon of ``git_dir``; OSError when none answers. The socket is
    named relative to its directory, so the 108-byte limit on its path never binds."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    home = os.getcwd()
    try:
        os.chdir(daemon_dir(git_dir))
        try:
            sock.connect("socket")
        finally:
            os.chdir(home)
        yield sock
    finally:
        sock.close()


def stop(git_dir: Path) -> bool:
    """Ask the daemon of ``git_dir`` to exit; False when none was running."""
    try:
        with _connected(git_dir) as sock:
            sock.settimeout(10)
            sock.sendall(_STOP)
            sock.shutdown(socket.SHUT_WR)
            return sock.recv(64) == b"stopped\n"
    except OSError:
        return False


def running(git_dir: Path) -> bool:
    """Whether a daemon answers on ``git_dir``'s socket (it may be busy: then True too)."""
    try:
        with _connected(git_dir):
            return True
    except OSError:
        return False


def main(argv: list[str]) -> int:
    """``python -m countersign hook daemon GIT_DIR [WARM_DIR]``: what the client starts."""
    os.closerange(3, 256)  # nothing the starting hook held open stays open in the daemon
    if not argv:
        print("usage: countersign hook daemon GIT_DIR [WORKTREE]", file=sys.stderr)
        return 2
    git_dir = Path(argv[0]).resolve()
    warm = Path(argv[1]) if len(argv) > 1 else None
    return serve(git_dir, warm)

