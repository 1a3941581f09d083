"""Forge review records as evidence: GitHub pull request reviews, GitLab approvals."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from countersign.core.forge import (
    ForgeApproval,
    approver_emails,
    github_approvals,
    gitlab_approvals,
    parse_spec,
    read_evidence,
)

DATA = Path(__file__).parent.parent / "data" / "forge"
A = "ecdd80bb57125d7ba9641ffaa4d7d2c19d3f3091"
B = "6dcb09b5b57875f334f61aebed695e2e4193db5e"


def fixture(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def review(rid: int, login: str, state: str, commit: str | None = A,
           at: str = "2026-11-17T10:00:00Z") -> dict[str, Any]:
    uid = sum(map(ord, login))
    return {"id": rid, "user": {"login": login, "id": uid}, "state": state,
            "commit_id": commit, "submitted_at": at}


def standing(payload: object) -> list[tuple[str, str | None]]:
    evidence = github_approvals(payload, "reviews.json")
    assert evidence.errors == ()
    return [(a.login, a.commit) for a in evidence.approvals]


# GitHub: the latest submitted review of each user decides.

def test_github_recorded_payload() -> None:
    evidence = read_evidence("github", (DATA / "github-reviews.json").read_text(), "r.json")
    assert evidence.errors == ()
    assert evidence.approvals == (
        ForgeApproval("github", "lee", 102, B, datetime(2026, 11, 18, 9, tzinfo=timezone.utc), 85),
        ForgeApproval("github", "pat", 105, A,
                      datetime(2026, 11, 17, 18, 20, tzinfo=timezone.utc), 84),
        ForgeApproval("github", "rob", 107, None,
                      datetime(2026, 11, 16, 8, tzinfo=timezone.utc), 89),
        ForgeApproval("github", "sam", 101, A,
                      datetime(2026, 11, 17, 17, 43, 43, tzinfo=timezone.utc), 80),
    )


def test_github_slurped_pages_read_like_one_list() -> None:
    flat = github_approvals(fixture("github-reviews.json"), "r.json")
    pages = github_approvals(fixture("github-reviews-pages.json"), "r.json")
    assert pages.approvals == flat.approvals and pages.errors == ()


@pytest.mark.parametrize(("states", "expected"), [
    (["APPROVED"], [("sam", A)]),
    (["APPROVED", "COMMENTED"], [("sam", A)]),
    (["APPROVED", "CHANGES_REQUESTED"], []),
    (["APPROVED", "DISMISSED"], []),
    (["DISMISSED"], []),
    (["CHANGES_REQUESTED", "APPROVED"], [("sam", A)]),
    (["COMMENTED", "COMMENTED"], []),
    (["APPROVED", "PENDING"], [("sam", A)]),
])
def test_github_latest_review_wins(states: list[str], expected: list[tuple[str, str]]) -> None:
    reviews = [review(i, "sam", state, at=f"2026-11-17T1{i}:00:00Z")
               for i, state in enumerate(states)]
    for r in reviews:
        if r["state"] == "PENDING":
            del r["submitted_at"]  # GitHub: unsubmitted reviews carry no submitted_at
    assert standing(reviews) == expected


def test_github_a_later_approval_moves_to_the_later_commit() -> None:
    reviews = [review(2, "sam", "APPROVED", B, "2026-11-18T10:00:00Z"),
               review(1, "sam", "APPROVED", A, "2026-11-17T10:00:00Z")]  # out of order
    assert standing(reviews) == [("sam", B)]


def test_github_order_is_by_submission_time_then_review_id() -> None:
    reviews = [review(7, "sam", "CHANGES_REQUESTED", A, "2026-11-17T10:00:00Z"),
               review(6, "sam", "APPROVED", A, "2026-11-17T10:00:00Z")]
    assert standing(reviews) == []


def test_github_users_are_told_apart_by_id_not_login_case() -> None:
    reviews = [review(1, "sam", "APPROVED"), review(2, "lee", "APPROVED")]
    reviews[1]["user"]["id"] = reviews[0]["user"]["id"]  # a renamed account is one user
    reviews[1]["submitted_at"] = "2026-11-17T11:00:00Z"
    reviews[1]["state"] = "CHANGES_REQUESTED"
    assert standing(reviews) == []


def test_github_a_deleted_account_is_skipped() -> None:
    reviews = [review(1, "sam", "APPROVED"), {**review(2, "x", "APPROVED"), "user": None}]
    assert standing(reviews) == [("sam", A)]


def test_github_malformed_payload_reports_each_field_and_counts_the_rest() -> None:
    evidence = github_approvals(fixture("github-reviews-malformed.json"), "reviews.json")
    assert [str(e) for e in evidence.errors] == [
        "reviews.json: $[0].user.login: missing",
        "reviews.json: $[2].submitted_at: expected an ISO 8601 time, got 'yesterday'",
        "reviews.json: $[3].commit_id: expected a commit sha, got 'not-a-sha'",
        "reviews.json: $[4].state: unknown review state 'MAYBE'",
        "reviews.json: $[5]: expected a review object",
        "reviews.json: $[2]: @lee's approval is not counted: a malformed review of theirs "
        "may withdraw it",
    ]
    assert evidence.approvals == ()


@pytest.mark.parametrize(("change", "message"), [
    ({"state": None}, "$[0].state: missing"),
    ({"id": True}, "$[0].id: expected an integer, got True"),
    ({"user": "sam"}, "$[0].user: expected an object or null"),
    ({"user": {"login": "sam"}}, "$[0].user.id: missing"),
    ({"user": {"login": "", "id": 1}}, "$[0].user.login: empty"),
    ({"commit_id": "ECDD80BB"}, "$[0].commit_id: expected a commit sha, got 'ECDD80BB'"),
    ({"submitted_at": None}, "$[0].submitted_at: expected an ISO 8601 time, got None"),
])
def test_github_malformed_review_fields(change: dict[str, Any], message: str) -> None:
    evidence = github_approvals([{**review(1, "sam", "APPROVED"), **change}], "r.json")
    assert [str(e) for e in evidence.errors] == [f"r.json: {message}"]
    assert evidence.approvals == ()


@pytest.mark.parametrize(("text", "message"), [
    ('{"reviews": []}', "$: expected the JSON list of GET /repos/{owner}/{repo}/pulls/{n}/reviews"),
    ("[{]", "$: not JSON: Expecting property name enclosed in double quotes at line 1 column 3"),
])
def test_github_not_a_reviews_list(text: str, message: str) -> None:
    evidence = read_evidence("github", text, "r.json")
    assert [str(e) for e in evidence.errors] == [f"r.json: {message}"]


def test_github_a_commit_that_no_longer_exists_binds_to_nothing() -> None:
    assert standing([review(1, "sam", "APPROVED", commit=None)]) == [("sam", None)]


# GitLab: approvals name no commit; the CI records the head and the project's settings.

def test_gitlab_recorded_payload_binds_approvals_to_the_head() -> None:
    evidence = read_evidence("gitlab", (DATA / "gitlab-approvals.json").read_text(), "a.json")
    assert evidence.errors == ()
    assert evidence.approvals == (
        ForgeApproval("gitlab", "root", 1, B, None),
        ForgeApproval("gitlab", "sam", 2, B,
                      datetime(2026, 11, 18, 21, 20, 42, 470000, tzinfo=timezone.utc)),
    )


def test_gitlab_approvals_that_survive_pushes_are_bound_to_nothing() -> None:
    evidence = gitlab_approvals(fixture("gitlab-approvals-no-reset.json"), "a.json")
    assert [a.commit for a in evidence.approvals] == [None, None]
    assert [str(e) for e in evidence.errors] == [
        "a.json: $.project_approvals.reset_approvals_on_push: is False: approvals survive "
        "pushes in this project, so they are not bound to the head commit (turn on 'Remove "
        "all approvals when commits are added')"]


def test_gitlab_without_project_settings_approvals_are_bound_to_nothing() -> None:
    payload = fixture("gitlab-approvals.json")
    del payload["project_approvals"]
    evidence = gitlab_approvals(payload, "a.json")
    assert [a.commit for a in evidence.approvals] == [None, None]
    assert [e.field for e in evidence.errors] == ["$.project_approvals"]


def test_gitlab_the_bare_approvals_payload_is_refused_with_the_fix() -> None:
    evidence = gitlab_approvals(fixture("gitlab-approvals-bare.json"), "a.json")
    assert evidence.approvals == ()
    assert "docs/ci/gitlab-approvals.md" in str(evidence.errors[0])


def test_gitlab_malformed_payload() -> None:
    evidence = gitlab_approvals(fixture("gitlab-approvals-malformed.json"), "a.json")
    assert [str(e) for e in evidence.errors] == [
        "a.json: $.merge_request.sha: expected a commit sha, got 'HEAD'",
        "a.json: $.approvals.approved_by[2].user.username: missing",
        "a.json: $.approvals.approved_by[3]: expected {\"user\": {...}}",
    ]
    assert [(a.login, a.commit) for a in evidence.approvals] == [("root", None), ("sam", None)]


def test_gitlab_approvals_of_another_merge_request_are_bound_to_nothing() -> None:
    payload = copy.deepcopy(fixture("gitlab-approvals.json"))
    payload["approvals"]["iid"] = 6
    evidence = gitlab_approvals(payload, "a.json")
    assert [a.commit for a in evidence.approvals] == [None, None]
    assert [str(e) for e in evidence.errors] == [
        "a.json: $.approvals.iid: approvals of merge request 6 recorded with merge request 5"]


@pytest.mark.parametrize(("payload", "message"), [
    ([], "$: expected an object with merge_request, approvals and project_approvals "
         "(docs/ci/gitlab-approvals.md)"),
    ({"merge_request": {}, "approvals": []}, "$.approvals: expected an object, got []"),
    ({"approvals": {}}, "$.merge_request: missing"),
])
def test_gitlab_not_an_evidence_file(payload: object, message: str) -> None:
    evidence = gitlab_approvals(payload, "a.json")
    assert f"a.json: {message}" in [str(e) for e in evidence.errors]
    assert evidence.approvals == ()


# The --forge-reviews flag and identities.

@pytest.mark.parametrize(("spec", "expected"), [
    ("github:reviews.json", ("github", "reviews.json")),
    ("gitlab:/tmp/a:b.json", ("gitlab", "/tmp/a:b.json")),
])
def test_parse_spec(spec: str, expected: tuple[str, str]) -> None:
    assert parse_spec(spec) == expected


@pytest.mark.parametrize("spec", ["reviews.json", "bitbucket:x.json", "github:", "GitHub:x"])
def test_parse_spec_refuses(spec: str) -> None:
    with pytest.raises(ValueError, match="expected github:PATH or gitlab:PATH"):
        parse_spec(spec)


def test_approver_emails_use_the_codeowners_mapping_with_at_login() -> None:
    approvals = github_approvals(fixture("github-reviews.json"), "r.json").approvals
    mapped = approver_emails(approvals, {"@Sam": ["sam@example.com"], "@lee": ["LEE@x.com"]})
    assert [(a.owner, sorted(emails)) for a, emails in mapped] == [
        ("@lee", ["lee@x.com"]), ("@pat", []), ("@rob", []), ("@sam", ["sam@example.com"])]
