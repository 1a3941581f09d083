"""The hook daemon and another user: neither side talks to a process of another uid.

The daemon's directory is private (0700), so another user can only reach the socket if
that protection failed (a misconfigured umask, a copied repository, root tampering). These
tests make it fail on purpose and run the other side as a real second user (``nobody``,
through ``setresuid``), so the kernel's ``SO_PEERCRED`` answer is the real one. They need
root to switch users and are skipped otherwise.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from countersign.cli import hook_client, hook_daemon
from countersign.store import hooks
from countersign.store.gitcli import Git
from tests.git.conftest import AGENT, ai_file, commit
from tests.git.test_hook_daemon import JOB, _start
from tests.helpers import git, make_repo

NOBODY = 65534

pytestmark = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0,
    reason="switching to a second user needs root")

IMPOSTOR = textwrap.dedent("""
    import os, socket, sys
    os.chdir(sys.argv[1])
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind("socket")
    os.chmod("socket", 0o666)
    os.setgroups([])
    os.setresgid(%(uid)d, %(uid)d, %(uid)d)
    os.setresuid(%(uid)d, %(uid)d, %(uid)d)  # listen() records this user for SO_PEERCRED
    listener.listen(1)
    print("ready", flush=True)
    listener.settimeout(120)
    conn, _ = listener.accept()
    conn.settimeout(10)
    received = b""
    try:
        while chunk := conn.recv(65536):
            received += chunk
    except OSError:
        pass
    print(len(received), flush=True)
""") % {"uid": NOBODY}

INTRUDER = textwrap.dedent("""
    import os, socket, sys
    os.chdir(sys.argv[1])
    os.setgroups([])
    os.setresgid(%(uid)d, %(uid)d, %(uid)d)
    os.setresuid(%(uid)d, %(uid)d, %(uid)d)  # connect() records this user for SO_PEERCRED
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect("socket")
    sock.settimeout(30)
    try:  # a refusing daemon may close before the request is all sent
        sock.sendall(bytes.fromhex(sys.argv[2]))
        sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    reply = b""
    try:
        while chunk := sock.recv(65536):
            reply += chunk
    except OSError:
        pass
    print(repr(reply), flush=True)
""") % {"uid": NOBODY}


@pytest.fixture
def procs() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)


def test_the_hook_never_talks_to_another_users_process_on_its_socket(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, procs: list[subprocess.Popen[bytes]],
) -> None:
    """A process of another user listening on the daemon's socket gets nothing: the client
    sees its uid, sends not a byte (its request holds the environment), warns and stamps
    in-process."""
    repo = make_repo(tmp_path / "repo")
    hooks.install(Git(repo), sys.executable, hook_client.__file__)
    monkeypatch.chdir(repo)
    monkeypatch.setenv("COUNTERSIGN_HOOK_DAEMON", "1")
    directory = hook_daemon.daemon_dir(repo / ".git")
    directory.mkdir(parents=True, mode=0o700)
    impostor = subprocess.Popen([sys.executable, "-c", IMPOSTOR, str(directory)],
                                stdout=subprocess.PIPE)
    procs.append(impostor)
    assert impostor.stdout is not None
    assert impostor.stdout.readline() == b"ready\n"
    ai_file(repo, "jobs/cleanup.py", JOB, {3: AGENT})
    git(repo, "add", "-A")
    done = commit(repo, "-m", "one", check=False)
    assert done.returncode == 0, done.stderr
    assert "AI-Lines: 1/4" in git(repo, "log", "-1", "--format=%B")  # stamped in-process
    assert f"belongs to another user (uid {NOBODY})" in done.stderr
    out, _ = impostor.communicate(timeout=60)
    assert out == b"0\n"  # connected, and received nothing


def test_the_daemon_answers_no_other_user(
    tmp_path: Path, procs: list[subprocess.Popen[bytes]],
) -> None:
    """Another user who reaches the socket (its directory and mode opened by mistake)
    can neither stop the daemon nor have it run a hook: it is refused without a reply,
    and the daemon goes on serving its own user."""
    repo = make_repo(tmp_path / "repo")
    daemon = _start(repo)
    procs.append(daemon)
    directory = hook_daemon.daemon_dir(repo / ".git")
    directory.chmod(0o711)  # the intruder enters it by a relative name, after chdir
    (directory / "socket").chmod(0o666)
    message = repo / ".git" / "COMMIT_EDITMSG"
    message.write_text("intruder\n")
    hook = hook_client._request(str(repo), ["prepare-commit-msg", str(message)])
    for request in (b"stop", hook):
        intruder = subprocess.run([sys.executable, "-c", INTRUDER, str(directory),
                                   request.hex()],
                                  capture_output=True, timeout=60, check=False)
        assert intruder.returncode == 0, intruder.stderr
        assert intruder.stdout == b"b''\n"
    assert message.read_text() == "intruder\n"  # no hook ran for it
    assert daemon.poll() is None and hook_daemon.running(repo / ".git")
    assert hook_daemon.stop(repo / ".git")  # its own user still can
    assert daemon.wait(timeout=30) == 0
