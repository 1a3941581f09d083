"""Signing approvals with git's configured key and verifying them against a policy.

Real ``ssh-keygen`` keys and a real gpg home, in real repositories: each forgery is
refused with the state that names why.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from countersign.core.attestation import (
    PAYLOAD_TYPE,
    Approval,
    Envelope,
    envelope,
    pae,
    parse_envelope,
    payload,
)
from countersign.core.tiers import Review, Tier
from countersign.store.approvals import content_digest, read_approvals
from countersign.store.gitcli import Git
from countersign.store.signing import SigningError, signing_key
from countersign.store.verification import Signers, Verifier
from tests.git.signing_helpers import (
    AT,
    allowed_signers,
    approve,
    gpg,
    gpg_key,
    head,
    public,
    ssh_key,
    states,
    two_commits,
    verify,
)
from tests.helpers import git

needs_gpg = pytest.mark.skipif(shutil.which("gpg") is None, reason="gpg is not installed")


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Private key paths of sam (a senior), eve (another reviewer) and ada (the author)."""
    directory = tmp_path_factory.mktemp("ssh")
    return {name: ssh_key(directory, name) for name in ("sam", "eve", "ada")}


@pytest.fixture
def policy(tmp_path: Path, keys: dict[str, Path]) -> Signers:
    path = allowed_signers(tmp_path / "allowed_signers",
                           f"sam@example.com {public(keys['sam'])}",
                           f"eve@example.com {public(keys['eve'])}")
    return Signers(allowed_signers=path)


def use_ssh(repo: Path, key: Path | str) -> None:
    git(repo, "config", "gpg.format", "ssh")
    git(repo, "config", "user.signingKey", str(key))


def test_an_ssh_approval_verifies_round_trip(
    repo: Path, keys: dict[str, Path], policy: Signers
) -> None:
    sha = two_commits(repo)
    use_ssh(repo, keys["sam"])
    record = approve(repo)
    assert head_note(repo, sha) == record.decode() + "\n"
    [check] = verify(repo, policy)
    assert check.valid, check.message
    assert check.message.startswith("good signature by sam@example.com (ssh-ed25519 key SHA256:")
    assert parse_envelope(record).signature.keyid == check.key


def head_note(repo: Path, sha: str) -> str:
    return git(repo, "notes", "--ref", "countersign-approvals", "show", sha)


@pytest.fixture
def agent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An ssh-agent of this test only (stopped by its process id at the end)."""
    sock = tmp_path / "agent.sock"
    proc = subprocess.Popen(["ssh-agent", "-D", "-a", str(sock)], stdout=subprocess.DEVNULL)
    try:
        for _ in range(200):
            if sock.exists():
                break
            time.sleep(0.01)
        monkeypatch.setenv("SSH_AUTH_SOCK", str(sock))
        yield sock
    finally:
        proc.terminate()
        proc.wait()


@pytest.mark.parametrize("form", ["pub file", "key:: literal", "defaultKeyCommand"])
def test_a_key_held_in_ssh_agent_signs_as_git_would(
    repo: Path, keys: dict[str, Path], policy: Signers, agent: Path, form: str
) -> None:
    subprocess.run(["ssh-add", "-q", str(keys["sam"])], check=True, capture_output=True)
    two_commits(repo)
    pub = keys["sam"].with_name("sam.pub")
    if form == "defaultKeyCommand":
        git(repo, "config", "gpg.format", "ssh")
        git(repo, "config", "gpg.ssh.defaultKeyCommand", "ssh-add -L")
    else:
        use_ssh(repo, pub if form == "pub file" else f"key::{public(keys['sam'])}")
    assert signing_key(Git(repo)).literal is (form != "pub file")
    approve(repo)
    assert states(verify(repo, policy)) == ["valid"]


def test_the_authors_key_claiming_a_seniors_name_is_an_unknown_key(
    repo: Path, keys: dict[str, Path], policy: Signers
) -> None:
    two_commits(repo)
    use_ssh(repo, keys["eve"])
    approve(repo)  # eve signs, the record says Sam
    use_ssh(repo, keys["ada"])
    approve(repo)  # a key the policy does not list at all
    eve, ada = verify(repo, policy)
    assert (eve.state.value, ada.state.value) == ("unknown-key", "unknown-key")
    assert eve.message.endswith(f"is not listed for sam@example.com in "
                                f"{policy.allowed_signers} (it is listed for eve@example.com)")
    assert ada.message.endswith(f"in {policy.allowed_signers}")


def _resigned(record: bytes, key: Path, namespace: str) -> bytes:
    """The record signed again by ``key`` in another ssh-keygen namespace."""
    env = parse_envelope(record)
    done = subprocess.run(["ssh-keygen", "-Y", "sign", "-n", namespace, "-f", str(key)],
                          input=env.signed_bytes, capture_output=True, check=True)
    blob = base64.b64decode(b"".join(done.stdout.splitlines()[1:-1]))
    return envelope(env.payload, blob, "k")


def test_a_signature_in_another_namespace_is_refused(
    repo: Path, keys: dict[str, Path], policy: Signers
) -> None:
    sha = two_commits(repo)
    use_ssh(repo, keys["sam"])
    record = approve(repo)
    git(repo, "notes", "--ref", "countersign-approvals", "add", "-f", "-m",
        _resigned(record, keys["sam"], "git").decode(), sha)
    [check] = verify(repo, policy)
    assert check.state.value == "wrong-namespace"
    assert check.message == "signed in namespace 'git', not 'countersign-approval'"


def test_a_key_restricted_to_other_namespaces_is_refused(
    repo: Path, keys: dict[str, Path], tmp_path: Path
) -> None:
    two_commits(repo)
    use_ssh(repo, keys["sam"])
    approve(repo)
    path = allowed_signers(tmp_path / "git-only",
                           f'sam@example.com namespaces="git,file" {public(keys["sam"])}')
    [check] = verify(repo, Signers(allowed_signers=path))
    assert check.state.value == "wrong-namespace"
    assert 'not permitted for use in signature namespace "countersign-approval"' in (
        check.message)


def test_a_tampered_record_is_a_bad_signature(
    repo: Path, keys: dict[str, Path], policy: Signers
) -> None:
    sha = two_commits(repo)
    use_ssh(repo, keys["sam"])
    env = parse_envelope(approve(repo))
    statement = json.loads(env.payload)
    statement["predicate"]["role"] = "owner"
    tampered = envelope(json.dumps(statement).encode(), env.signature.sig, "k")
    sig = bytearray(env.signature.sig)
    sig[-40] ^= 1  # a bit of the ed25519 R value: never a valid signature any more
    flipped = envelope(env.payload, bytes(sig), "k")
    garbage = envelope(env.payload, b"not a signature", "k")
    git(repo, "notes", "--ref", "countersign-approvals", "add", "-f", "-m",
        b"\n".join([tampered, flipped, garbage]).decode(), sha)
    checks = verify(repo, policy)
    assert states(checks) == ["bad-signature", "bad-signature", "malformed"]
    assert "does not match the record" in checks[0].message
    assert checks[2].message.startswith("the signature is not an SSH signature")


@pytest.mark.parametrize(("option", "said"), [
    ('valid-before="20260101"', "key has expired"),
    ('valid-after="20270101Z"', "key is not yet valid"),
])
def test_a_key_outside_its_validity_at_approval_time_is_refused(
    repo: Path, keys: dict[str, Path], tmp_path: Path, option: str, said: str
) -> None:
    two_commits(repo)
    use_ssh(repo, keys["sam"])
    approve(repo)
    path = allowed_signers(tmp_path / "dated", f"sam@example.com {option} {public(keys['sam'])}")
    [check] = verify(repo, Signers(allowed_signers=path))
    assert check.state.value == "key-not-valid-at-time"
    assert said in check.message and f"{path}:1:" in check.message


def test_checks_come_back_in_order_and_identical_ones_run_once(
    repo: Path, keys: dict[str, Path], policy: Signers
) -> None:
    two_commits(repo)
    use_ssh(repo, keys["sam"])
    good = parse_envelope(approve(repo))
    forged = replace(good, payload=good.payload.replace(b"senior", b"seniors", 1))
    with Verifier(policy) as verifier:
        first = verifier.verify([good, forged, good, good])
        assert states(first) == ["valid", "bad-signature", "valid", "valid"]
        assert len(verifier._cache) == 2
        assert verifier.verify([forged, good]) == [first[1], first[0]]


# ---- bad input: a clear error that names the file, the line or the command -------------


def test_a_missing_allowed_signers_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(SigningError) as caught:
        Verifier(Signers(allowed_signers=tmp_path / "nope"))
    assert str(caught.value).startswith(f"allowed signers file {tmp_path / 'nope'} does not "
                                        "exist")


def test_a_malformed_allowed_signers_line_is_named(tmp_path: Path, keys: dict[str, Path]) -> None:
    path = allowed_signers(tmp_path / "signers", f"sam@example.com {public(keys['sam'])}",
                           "eve@example.com ssh-ed448 AAAAC3NzaC1lZDI1NTE5")
    with pytest.raises(SigningError) as caught:
        Verifier(Signers(allowed_signers=path))
    assert str(caught.value).startswith(f"allowed signers file {path}:2: unknown key type "
                                        "'ssh-ed448'")
    assert "hint: fix the line" in str(caught.value)


@pytest.mark.parametrize(("config", "message"), [
    ({"gpg.format": "ssh"}, "gpg.format is ssh but user.signingKey is not set"),
    ({"gpg.format": "ssh", "user.signingKey": "key::ssh-foo AAAA"},
     "user.signingKey has an unknown SSH key type 'ssh-foo'"),
    ({"gpg.format": "ssh", "user.signingKey": "~/.ssh/missing.pub"},
     "user.signingKey names "),
    ({"gpg.format": "x509"}, "gpg.format is 'x509'; countersign signs with ssh or openpgp"),
])
def test_no_usable_signing_key_says_which_git_config_fixes_it(
    repo: Path, config: dict[str, str], message: str
) -> None:
    for name, value in config.items():
        git(repo, "config", name, value)
    with pytest.raises(SigningError) as caught:
        signing_key(Git(repo))
    assert message in caught.value.message
    assert caught.value.hint == ("git config --global gpg.format ssh && "
                                 "git config --global user.signingKey ~/.ssh/id_ed25519.pub")


def test_no_ssh_keygen_says_how_to_install_it(
    repo: Path, keys: dict[str, Path], policy: Signers, monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path
) -> None:
    two_commits(repo)
    use_ssh(repo, keys["sam"])
    git(repo, "config", "gpg.ssh.program", str(tmp_path / "no-such-ssh-keygen"))
    with pytest.raises(SigningError) as caught:
        approve(repo)
    assert str(caught.value) == (f"{tmp_path / 'no-such-ssh-keygen'} was not found on PATH "
                                 "(set by gpg.ssh.program)\nhint: sudo apt-get install "
                                 "openssh-client")


def test_ed25519_and_rsa_approvals_verify_without_ssh_keygen(
    repo: Path, keys: dict[str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    two_commits(repo)
    rsa = ssh_key(tmp_path, "rsa", "rsa")
    for key in (keys["sam"], rsa):
        use_ssh(repo, key)
        approve(repo)
    path = allowed_signers(tmp_path / "signers", f"sam@example.com {public(keys['sam'])}",
                           f"sam@example.com {public(rsa)}")
    stored = [s.envelope for s in read_approvals(Git(repo)).all()]
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with Verifier(Signers(allowed_signers=path)) as verifier:
        checks = verifier.verify(stored)
    assert states(checks) == ["valid", "valid"]
    assert "(ssh-rsa key SHA256:" in checks[1].message


def test_an_ecdsa_approval_is_checked_by_ssh_keygen_which_must_be_installed(
    repo: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    two_commits(repo)
    ecdsa = ssh_key(tmp_path, "ecdsa", "ecdsa")
    use_ssh(repo, ecdsa)
    approve(repo)
    path = allowed_signers(tmp_path / "signers", f"sam@example.com {public(ecdsa)}")
    restricted = allowed_signers(tmp_path / "restricted",
                                 f'sam@example.com namespaces="git" {public(ecdsa)}')
    assert states(verify(repo, Signers(allowed_signers=path))) == ["valid"]
    [check] = verify(repo, Signers(allowed_signers=restricted))
    assert check.state.value == "wrong-namespace"
    assert 'not permitted for use in signature namespace "countersign-approval"' in check.message
    stored = [s.envelope for s in read_approvals(Git(repo)).all()]
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with Verifier(Signers(allowed_signers=path)) as verifier, \
            pytest.raises(SigningError) as missing:
        verifier.verify(stored)
    assert str(missing.value) == ("ssh-keygen was not found on PATH\nhint: sudo apt-get "
                                  "install openssh-client")


@pytest.mark.parametrize(("validity", "state"), [
    ("20260101:20270101", "valid"),
    ("20250101:20260101", "key-not-valid-at-time"),
])
def test_a_certificate_under_a_cert_authority_line_is_checked_by_ssh_keygen(
    repo: Path, keys: dict[str, Path], tmp_path: Path, validity: str, state: str
) -> None:
    two_commits(repo)
    ca = ssh_key(tmp_path, "ca")
    subprocess.run(["ssh-keygen", "-q", "-s", str(ca), "-I", "sam", "-n", "sam@example.com",
                    "-V", validity, str(keys["sam"]) + ".pub"], check=True, cwd=tmp_path)
    cert = keys["sam"].with_name("sam-cert.pub")
    use_ssh(repo, cert)
    try:
        approve(repo)
    finally:
        cert.unlink()
    use_ssh(repo, ca)
    approve(repo)  # the CA key itself signs: a cert-authority line does not list it
    path = allowed_signers(tmp_path / "signers", f"*@example.com cert-authority {public(ca)}")
    checks = verify(repo, Signers(allowed_signers=path))
    assert states(checks) == [state, "unknown-key"]
    if state != "valid":
        assert "Certificate invalid: expired" in checks[0].message


# ---- OpenPGP --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gnupg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """A gpg home with keys for sam, eve and ada; the policy file exports sam's and eve's."""
    if shutil.which("gpg") is None:
        pytest.skip("gpg is not installed")
    home = tmp_path_factory.mktemp("gnupg")
    home.chmod(0o700)
    try:
        fprs = {name: gpg_key(home, f"{name.title()} <{name}@example.com>")
                for name in ("sam", "eve", "ada")}
        policy = home.parent / f"{home.name}-policy-keys.asc"
        policy.write_text(gpg(home, "--armor", "--export", fprs["sam"], fprs["eve"]))
        yield {"home": home, "fprs": fprs, "policy": policy}
    finally:
        subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "gpg-agent"], check=False)


def use_gpg(repo: Path, gnupg: dict[str, object], monkeypatch: pytest.MonkeyPatch,
            key: str | None) -> None:
    monkeypatch.setenv("GNUPGHOME", str(gnupg["home"]))
    git(repo, "config", "gpg.format", "openpgp")
    if key:
        git(repo, "config", "user.signingKey", key)


@needs_gpg
def test_an_openpgp_approval_verifies_round_trip(
    repo: Path, gnupg: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    fprs = gnupg["fprs"]
    assert isinstance(fprs, dict)
    two_commits(repo)
    use_gpg(repo, gnupg, monkeypatch, fprs["sam"])
    record = approve(repo)
    git(repo, "config", "--unset", "user.signingKey")
    git(repo, "config", "user.email", "sam@example.com")
    approve(repo)  # the default key: the one of user.email
    checks = verify(repo, Signers(openpgp_keys=Path(str(gnupg["policy"]))))
    assert states(checks) == ["valid", "valid"], [c.message for c in checks]
    assert checks[0].key == fprs["sam"] == parse_envelope(record).signature.keyid


@needs_gpg
def test_openpgp_forgeries_are_refused_with_their_reason(
    repo: Path, gnupg: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    fprs = gnupg["fprs"]
    assert isinstance(fprs, dict)
    sha = two_commits(repo)
    use_gpg(repo, gnupg, monkeypatch, fprs["eve"])
    approve(repo)                                    # eve's key, Sam's name
    git(repo, "config", "user.signingKey", fprs["ada"])
    approve(repo)                                    # a key the policy does not hold
    git(repo, "config", "user.signingKey", fprs["sam"])
    good = parse_envelope(approve(repo))
    owner = good.payload.replace(b'"role":"senior"', b'"role":"owner"')
    tampered = envelope(owner, good.signature.sig, "k")
    git(repo, "notes", "--ref", "countersign-approvals", "append", "-m", tampered.decode(), sha)
    checks = verify(repo, Signers(openpgp_keys=Path(str(gnupg["policy"]))))
    assert states(checks) == ["unknown-key", "unknown-key", "valid", "bad-signature"]
    assert checks[0].message == (f"OpenPGP key {fprs['eve']} is not listed for "
                                 "sam@example.com (its user ids: eve@example.com)")
    assert "is not among the policy's keys" in checks[1].message


@needs_gpg
def test_a_record_of_a_method_the_policy_does_not_list_counts_for_nothing(
    repo: Path, gnupg: dict[str, object], monkeypatch: pytest.MonkeyPatch,
    keys: dict[str, Path], policy: Signers
) -> None:
    fprs = gnupg["fprs"]
    assert isinstance(fprs, dict)
    two_commits(repo)
    use_gpg(repo, gnupg, monkeypatch, fprs["sam"])
    approve(repo)
    use_ssh(repo, keys["sam"])
    approve(repo)
    assert states(verify(repo, policy)) == ["unknown-key", "valid"]
    openpgp_only = Signers(openpgp_keys=Path(str(gnupg["policy"])))
    checks = verify(repo, openpgp_only)
    assert states(checks) == ["valid", "unknown-key"]
    assert checks[1].message == ("the policy lists no SSH signers ([signoff] allowed_signers), "
                                 "so no SSH approval counts")


@needs_gpg
def test_no_openpgp_key_for_the_reviewer_says_how_to_get_one(
    repo: Path, gnupg: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    two_commits(repo)
    use_gpg(repo, gnupg, monkeypatch, None)
    git(repo, "config", "user.email", "nobody@example.com")
    with pytest.raises(SigningError) as caught:
        approve(repo)
    assert caught.value.message.startswith("gpg could not sign with OpenPGP key "
                                           "<nobody@example.com>: ")
    assert "git config --global gpg.format ssh" in (caught.value.hint or "")


@needs_gpg
def test_a_missing_or_empty_openpgp_keys_file_is_named(
    repo: Path, gnupg: dict[str, object], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fprs = gnupg["fprs"]
    assert isinstance(fprs, dict)
    two_commits(repo)
    use_gpg(repo, gnupg, monkeypatch, fprs["sam"])
    approve(repo)
    stored = [s.envelope for s in read_approvals(Git(repo)).all()]
    empty = tmp_path / "keys.asc"
    empty.write_text("not a key\n")
    for path, message in [(tmp_path / "nope.asc", "does not exist"),
                          (empty, "holds no public key gpg can import")]:
        with Verifier(Signers(openpgp_keys=path)) as verifier, \
                pytest.raises(SigningError) as caught:
            verifier.verify(stored)
        assert caught.value.message.startswith(f"OpenPGP keys file {path} ")
        assert message in caught.value.message


def _gpg_envelope(home: Path, repo: Path, email: str, at: int, fake: str | None) -> Envelope:
    """An approval by ``email`` made at ``at``, signed by gpg at the faked time ``fake``."""
    sha = head(repo)
    digest, files = content_digest(Git(repo), sha)
    approval = Approval(f"Reviewer <{email}>", "senior", sha, digest, files, Tier.HIGH,
                        Review.SENIOR, (), at, "openpgp")
    body = payload(approval)
    faked = ["--faked-system-time", f"{fake}!"] if fake else []
    sig = subprocess.run(["gpg", "--homedir", str(home), "--batch", *faked, "-u", email,
                          "--detach-sign"], input=pae(PAYLOAD_TYPE, body),
                         capture_output=True, check=True).stdout
    return parse_envelope(envelope(body, sig, "k"))


@needs_gpg
def test_expired_and_revoked_openpgp_keys_are_judged_at_approval_time(
    repo: Path, tmp_path: Path
) -> None:
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    try:
        gpg(home, "--faked-system-time", "20200101T000000!", "--passphrase", "",
            "--quick-gen-key", "Old <old@example.com>", "ed25519", "sign", "1d")
        revoked = gpg_key(home, "Rev <rev@example.com>")
        two_commits(repo)
        made_in_time = _gpg_envelope(home, repo, "old@example.com", 1577880000,
                                     "20200101T120000")
        claims_later = _gpg_envelope(home, repo, "old@example.com", AT, "20200101T120000")
        by_revoked = _gpg_envelope(home, repo, "rev@example.com", AT, None)
        certificate = home / "openpgp-revocs.d" / f"{revoked}.rev"
        gpg(home, "--import", data=certificate.read_bytes().replace(b":-----", b"-----"))
        keys = tmp_path / "keys.asc"
        keys.write_text(gpg(home, "--armor", "--export"))
        with Verifier(Signers(openpgp_keys=keys)) as verifier:
            checks = verifier.verify([made_in_time, claims_later, by_revoked])
    finally:
        subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "gpg-agent"], check=False)
    assert states(checks) == ["valid", "key-not-valid-at-time", "key-not-valid-at-time"]
    assert checks[1].message.endswith("had expired when the approval was made")
    assert checks[2].message == f"OpenPGP key {revoked} is revoked"
