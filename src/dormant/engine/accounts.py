"""Scan many accounts at once: which accounts, a bounded pool of workers, merged results.

The accounts come from a file (``targets_from_file``) or from the organization (the AWS
adapter ``dormant.aws.orgs.organization_targets`` turns ListAccounts' records into
``AccountTarget`` values). ``scan_with`` scans each account in a worker of its own, through
an ``AccountOpener`` (one account's ``RoleSource`` per call), and decides every role with
``dormant.roles.scan.scan`` (the one engine the Lambda and ``dormant scan`` use). A failure in one
account (a role that cannot be assumed, a denied or throttled call, bad role data, or a bug)
becomes an ``AccountFailure`` for that account; the other accounts carry on. Results are merged
in a deterministic order: by account id, then role. ``each_account`` is the same pool for
any kind of finding (``dormant users --org`` decides users with it).

This module must never import boto3, botocore or ``dormant.aws``, not even inside a function:
it holds only pure logic, so that reading a target file and merging results need no AWS SDK
and its tests need no simulated AWS. Opening accounts is the adapter's business.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from dormant.core.errors import (
    AwsAccessError,
    CredentialReportError,
    InvalidParameter,
    RoleDataError,
)
from dormant.core.model import AccountFailure, Reportable

__all__ = [
    "ACTIVE",
    "DEFAULT_ROLE_NAME",
    "DEFAULT_WORKERS",
    "MAX_WORKERS",
    "AccountTarget",
    "MultiAccountResult",
    "check_workers",
    "each_account",
    "inactive_status",
    "is_active",
    "target_from_record",
    "targets_from_file",
    "unique_targets",
]

DEFAULT_ROLE_NAME = "OrganizationAccountAccessRole"


DEFAULT_WORKERS = 8


MAX_WORKERS = 64


ACTIVE = "ACTIVE"


_ACCOUNT_ID = re.compile(r"\d{12}")


# An account's status in ListAccounts (and in the JSON 'aws organizations list-accounts'
# writes): ``Status`` (ACTIVE, SUSPENDED, PENDING_CLOSURE) and its newer replacement ``State``
# (PENDING_ACTIVATION, ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED).
_STATUS_FIELDS = ("State", "Status")


_ACCOUNTS_OPTION = "--accounts"


R = TypeVar("R", bound=Reportable)


@dataclass(frozen=True, slots=True)
class AccountTarget:
    """One account to scan; ``name`` is the organization's name for it, when known."""

    account_id: str
    name: str | None = None

    def __post_init__(self) -> None:
        # The id goes into a role ARN: anything but 12 digits is a mistake, never a lookup.
        if not isinstance(self.account_id, str) or not _ACCOUNT_ID.fullmatch(self.account_id):
            raise InvalidParameter(
                "account_id", f"{self.account_id!r} is not a 12-digit AWS account id"
            )


@dataclass(slots=True)
class MultiAccountResult(Generic[R]):
    """Everything a multi-account scan found.

    ``findings``: every role of every account scanned, each carrying its ``account_id``;
    ``failures``: the accounts that could not be scanned (none of their findings are kept);
    ``accounts``: the accounts attempted, by id. (API calls are counted by the adapter's
    ``dormant.aws.calls.CallCounter``, not here.)
    """

    findings: list[R]
    failures: list[AccountFailure]
    accounts: list[AccountTarget]

    @property
    def failed(self) -> bool:
        return bool(self.failures)


def inactive_status(*statuses: object) -> str | None:
    """The first of an account's statuses (``State``, ``Status``) that is not ACTIVE.

    None when every status given is ACTIVE or absent (None): the account can be scanned.
    The one rule for ListAccounts' records and for the files that hold them.
    """
    for status in statuses:
        if status is not None and status != ACTIVE:
            return str(status)
    return None


def is_active(record: Mapping[str, Any]) -> bool:
    """True unless the record's ``State`` or ``Status`` says something other than ACTIVE.

    A record with neither (a hand-written list of ``{"Id": ...}``) is taken as active.
    """
    return inactive_status(*(record.get(key) for key in _STATUS_FIELDS)) is None


def target_from_record(record: object, where: str = "") -> AccountTarget | None:
    """An account record of an accounts file (``Id``, ``Name``, ``Status``/``State``) -> target.

    None when the account is not active (suspended, closing, closed): it cannot be scanned.
    """
    suffix = f" in {where}" if where else ""
    if not isinstance(record, Mapping):
        raise InvalidParameter(
            "account", f"account record{suffix} is not an object: {record!r:.80}"
        )
    account_id = record.get("Id")
    if not isinstance(account_id, str) or not _ACCOUNT_ID.fullmatch(account_id):
        raise InvalidParameter(
            "account", f"account record{suffix} has no 12-digit Id: {account_id!r}"
        )
    if not is_active(record):
        return None
    name = record.get("Name")
    return AccountTarget(account_id, str(name) if name else None)


def unique_targets(targets: Iterable[AccountTarget]) -> list[AccountTarget]:
    """Each account once, first occurrence first (a later one may add the name)."""
    seen: dict[str, AccountTarget] = {}
    for target in targets:
        previous = seen.get(target.account_id)
        if previous is None or (previous.name is None and target.name is not None):
            seen[target.account_id] = target
    return list(seen.values())


def _read_text(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        with open(path, encoding="utf-8-sig") as handle:
            return handle.read()
    except FileNotFoundError:
        raise InvalidParameter(_ACCOUNTS_OPTION, f"{path}: no such file") from None
    except IsADirectoryError:
        raise InvalidParameter(_ACCOUNTS_OPTION, f"{path}: is a directory, not a file") from None
    except UnicodeDecodeError:
        raise InvalidParameter(_ACCOUNTS_OPTION, f"{path}: not a UTF-8 text file") from None
    except OSError as exc:
        raise InvalidParameter(
            _ACCOUNTS_OPTION, f"{path}: cannot read it ({exc.strerror})"
        ) from None


def _targets_from_lines(text: str, path: str) -> list[AccountTarget]:
    targets: list[AccountTarget] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if not _ACCOUNT_ID.fullmatch(line):
            raise InvalidParameter(
                _ACCOUNTS_OPTION,
                f"{path} line {number}: {line!r} is not a 12-digit AWS account id "
                "(one id per line; '#' starts a comment)",
            )
        targets.append(AccountTarget(line))
    return targets


def _target_from_json_item(item: object, path: str, where: str) -> AccountTarget | None:
    if isinstance(item, str) and _ACCOUNT_ID.fullmatch(item.strip()):
        return AccountTarget(item.strip())
    # An id written as a JSON number is unambiguous only if no leading zero was lost.
    if isinstance(item, int) and not isinstance(item, bool) and _ACCOUNT_ID.fullmatch(str(item)):
        return AccountTarget(str(item))
    if isinstance(item, Mapping):
        try:
            return target_from_record(item)
        except InvalidParameter as exc:
            raise InvalidParameter(_ACCOUNTS_OPTION, f"{path} {where}: {exc.problem}") from None
    raise InvalidParameter(
        _ACCOUNTS_OPTION, f"{path} {where}: {item!r:.60} is not a 12-digit AWS account id"
    )


def _targets_from_json(text: str, path: str) -> list[AccountTarget]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidParameter(
            _ACCOUNTS_OPTION, f"{path} line {exc.lineno}: not valid JSON ({exc.msg})"
        ) from None
    if isinstance(data, Mapping) and isinstance(data.get("Accounts"), list):
        items: list[Any] = data["Accounts"]
        label = "Accounts"
    elif isinstance(data, list):
        items = data
        label = ""
    else:
        raise InvalidParameter(
            _ACCOUNTS_OPTION,
            f"{path}: expected a JSON list of account ids or the output of "
            "'aws organizations list-accounts' (an object with an Accounts list)",
        )
    targets: list[AccountTarget] = []
    for index, item in enumerate(items):
        target = _target_from_json_item(item, path, f"{label}[{index}]")
        if target is not None:
            targets.append(target)
    return targets


def targets_from_file(path: str) -> list[AccountTarget]:
    """The accounts listed in a file (``-`` reads stdin), each once, in file order.

    Accepted: one 12-digit id per line (blank lines and ``#`` comments allowed); a JSON list
    of ids (or of account objects); the JSON ``aws organizations list-accounts`` writes,
    whose accounts that are not active are skipped. Errors name the file and the line (or the
    JSON entry) at fault.
    """
    text = _read_text(path)
    if text.lstrip().startswith(("[", "{")):
        targets = _targets_from_json(text, path)
    else:
        targets = _targets_from_lines(text, path)
    unique = unique_targets(targets)
    if not unique:
        raise InvalidParameter(_ACCOUNTS_OPTION, f"{path}: no active account ids in the file")
    return unique


def check_workers(workers: object) -> int:
    """--workers as a whole number from 1 to MAX_WORKERS, or InvalidParameter naming --workers.

    The one check of a worker count, for the command line and for every caller of
    ``scan_with``; anything but an int (a bool, a float, a string) is refused.
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= MAX_WORKERS:
        raise InvalidParameter(
            "--workers", f"expected a whole number from 1 to {MAX_WORKERS}, got {workers!r}"
        )
    return workers


def _scan_one(
    scan_account: Callable[[str], Iterable[R]], account_id: str
) -> tuple[list[R], AccountFailure | None]:
    """One account's findings, or its failure; never raises (but for KeyboardInterrupt)."""
    try:
        findings = list(scan_account(account_id))
        for finding in findings:
            # Findings filed under the wrong account would send someone to delete the wrong
            # role: credentials that reached another account fail this account instead.
            if finding.account_id != account_id:
                noun = finding.resource_type.rsplit("::", 1)[-1].lower()
                raise RoleDataError(
                    f"{noun} {finding.arn} was returned when scanning account {account_id}: "
                    "the credentials reached a different account"
                )
    except AwsAccessError as exc:  # AssumeRoleError, denied calls, throttling past retries
        return [], AccountFailure(account_id, exc.operation or "scan", str(exc))
    except RoleDataError as exc:
        return [], AccountFailure(account_id, "iam:GetAccountAuthorizationDetails", str(exc))
    except CredentialReportError as exc:
        return [], AccountFailure(account_id, "iam:GetCredentialReport", str(exc))
    except Exception as exc:  # one account's bug must not stop the others
        return [], AccountFailure(
            account_id, "scan", f"account {account_id}: unexpected {type(exc).__name__}: {exc}"
        )
    return findings, None


def _finding_order(finding: Reportable) -> tuple[str, str, str]:
    return (finding.account_id, finding.resource_name, finding.arn)


def each_account(
    scan_account: Callable[[str], Iterable[R]],
    targets: Iterable[AccountTarget],
    *,
    workers: int = DEFAULT_WORKERS,
    on_account_done: Callable[[str, AccountFailure | None], None] | None = None,
) -> tuple[list[R], list[AccountFailure], list[AccountTarget]]:
    """The worker pool behind ``scan_with``, for any kind of finding (roles, users...).

    ``scan_account(account_id)`` decides one account's findings in a worker thread.
    Returns the findings (by account, then name), the failures and the accounts tried.
    """
    workers = check_workers(workers)
    unique = sorted(unique_targets(targets), key=lambda t: t.account_id)
    findings: list[R] = []
    failures: list[AccountFailure] = []
    if not unique:
        return findings, failures, unique
    executor = ThreadPoolExecutor(
        max_workers=min(workers, len(unique)), thread_name_prefix="dormant-account"
    )
    try:
        futures: dict[Future[tuple[list[R], AccountFailure | None]], str] = {
            executor.submit(_scan_one, scan_account, t.account_id): t.account_id for t in unique
        }
        for future in as_completed(futures):
            account_found, failure = future.result()
            if failure is None:
                findings.extend(account_found)
            else:
                failures.append(failure)
            if on_account_done is not None:
                on_account_done(futures[future], failure)
    finally:
        # On an interrupt (or a failing callback) accounts not started yet are dropped.
        executor.shutdown(wait=True, cancel_futures=True)
    findings.sort(key=_finding_order)
    failures.sort(key=lambda f: f.account_id)
    return findings, failures, unique
