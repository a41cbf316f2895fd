"""Scan many accounts at once: which accounts, a bounded pool of workers, merged results.

The accounts come from the organization (``organization_targets``: paged ListAccounts, active
accounts only) or from a file (``targets_from_file``). ``scan_accounts`` scans each account in
a worker of its own, with a session and clients of its own, and decides every role with
``dormant.service.scan`` (the one engine the Lambda and ``dormant scan`` use). A failure in one
account (a role that cannot be assumed, a denied or throttled call, bad role data, or a bug)
becomes an ``AccountFailure`` for that account; the other accounts carry on. Results are merged
in a deterministic order: by account id, then role.

This module must never import boto3 or call AWS itself: AWS calls stay in ``dormant.aws.orgs``
and ``dormant.aws.iam``, imported only inside the functions that need them, so that reading a
target file and merging results work without boto3.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from dormant.errors import AwsAccessError, InvalidParameter, RoleDataError
from dormant.model import AccountFailure, Finding
from dormant.service import RoleSource, scan
from dormant.settings import Settings, parse_role_name

if TYPE_CHECKING:
    import boto3
    import botocore.config

    from dormant.aws.orgs import CallCounter
    from dormant.aws.session import RetryMode

__all__ = [
    "DEFAULT_ROLE_NAME",
    "DEFAULT_WORKERS",
    "AccountOpener",
    "AccountTarget",
    "MultiAccountResult",
    "check_workers",
    "is_active",
    "organization_targets",
    "scan_accounts",
    "scan_with",
    "target_from_record",
    "targets_from_file",
]

DEFAULT_ROLE_NAME = "OrganizationAccountAccessRole"
DEFAULT_WORKERS = 8
ACTIVE = "ACTIVE"
RETRY_MODES = ("standard", "adaptive")

_ACCOUNT_ID = re.compile(r"\d{12}")
# ListAccounts' account status: ``Status`` (ACTIVE, SUSPENDED, PENDING_CLOSURE) and its newer
# replacement ``State`` (PENDING_ACTIVATION, ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED).
_STATUS_FIELDS = ("State", "Status")
_ACCOUNTS_OPTION = "--accounts"


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
class MultiAccountResult:
    """Everything a multi-account scan found.

    ``findings``: every role of every account scanned, each carrying its ``account_id``;
    ``failures``: the accounts that could not be scanned (none of their findings are kept);
    ``accounts``: the accounts attempted, by id; ``calls``: API calls by ``service:Operation``.
    """

    findings: list[Finding]
    failures: list[AccountFailure]
    accounts: list[AccountTarget]
    calls: dict[str, int] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return bool(self.failures)


class AccountOpener(Protocol):
    def role_source(self, account_id: str) -> RoleSource:
        """The roles of one account; called from worker threads, one account per call."""
        ...


# --------------------------------------------------------------------------- targets


def is_active(record: Mapping[str, Any]) -> bool:
    """True unless the record's ``State`` or ``Status`` says something other than ACTIVE.

    A record with neither (a hand-written list of ``{"Id": ...}``) is taken as active.
    """
    return all(record.get(key) in (None, ACTIVE) for key in _STATUS_FIELDS)


def target_from_record(record: object, where: str = "") -> AccountTarget | None:
    """An Organizations account record (``Id``, ``Name``, ``Status``/``State``) -> target.

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


def _dedupe(targets: Iterable[AccountTarget]) -> list[AccountTarget]:
    """Each account once, first occurrence first (a later one may add the name)."""
    seen: dict[str, AccountTarget] = {}
    for target in targets:
        previous = seen.get(target.account_id)
        if previous is None or (previous.name is None and target.name is not None):
            seen[target.account_id] = target
    return list(seen.values())


def organization_targets(
    session: boto3.session.Session,
    config: botocore.config.Config | None = None,
    *,
    counter: CallCounter | None = None,
    on_skipped: Callable[[AccountTarget, str], None] | None = None,
) -> list[AccountTarget]:
    """The organization's active accounts (paged ListAccounts), in the order AWS lists them.

    Raises AwsAccessError naming ``organizations:ListAccounts`` when the caller may not list
    them (not the management account or a delegated administrator). ``on_skipped`` hears of
    each account left out, with its status.
    """
    from dormant.aws.orgs import list_accounts

    targets: list[AccountTarget] = []
    for index, record in enumerate(list_accounts(session, config, counter=counter)):
        target = target_from_record(record, f"ListAccounts result {index}")
        if target is not None:
            targets.append(target)
        elif on_skipped is not None:
            status = record.get("State") or record.get("Status") or "unknown"
            name = record.get("Name")
            on_skipped(AccountTarget(str(record["Id"]), str(name) if name else None), status)
    return _dedupe(targets)


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
    unique = _dedupe(targets)
    if not unique:
        raise InvalidParameter(_ACCOUNTS_OPTION, f"{path}: no active account ids in the file")
    return unique


# --------------------------------------------------------------------------- scanning


def check_workers(workers: object) -> int:
    """--workers as a whole number >= 1, or InvalidParameter naming --workers."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InvalidParameter("--workers", f"expected a whole number >= 1, got {workers!r}")
    return workers


def _scan_one(
    opener: AccountOpener, account_id: str, settings: Settings, now: datetime
) -> tuple[list[Finding], AccountFailure | None]:
    """One account's findings, or its failure; never raises (but for KeyboardInterrupt)."""
    try:
        source = opener.role_source(account_id)
        findings = list(scan(source, settings, now))
        for finding in findings:
            # Findings filed under the wrong account would send someone to delete the wrong
            # role: credentials that reached another account fail this account instead.
            if finding.account_id != account_id:
                raise RoleDataError(
                    f"role {finding.role.arn} was returned when scanning account {account_id}: "
                    "the credentials reached a different account"
                )
    except AwsAccessError as exc:  # AssumeRoleError, denied calls, throttling past retries
        return [], AccountFailure(account_id, exc.operation or "scan", str(exc))
    except RoleDataError as exc:
        return [], AccountFailure(account_id, "iam:GetAccountAuthorizationDetails", str(exc))
    except Exception as exc:  # one account's bug must not stop the others
        return [], AccountFailure(
            account_id, "scan", f"account {account_id}: unexpected {type(exc).__name__}: {exc}"
        )
    return findings, None


def _finding_order(finding: Finding) -> tuple[str, str, str]:
    return (finding.account_id, finding.role.name, finding.role.arn)


def scan_with(
    opener: AccountOpener,
    targets: Iterable[AccountTarget],
    *,
    settings: Settings,
    now: datetime,
    workers: int = DEFAULT_WORKERS,
    on_account_done: Callable[[str, AccountFailure | None], None] | None = None,
) -> MultiAccountResult:
    """Scan every target through ``opener`` with at most ``workers`` threads.

    ``on_account_done`` runs in the calling thread as each account finishes (progress bars).
    ``calls`` is left empty: counting calls is the opener's business.
    """
    workers = check_workers(workers)
    unique = sorted(_dedupe(targets), key=lambda t: t.account_id)
    findings: list[Finding] = []
    failures: list[AccountFailure] = []
    if not unique:
        return MultiAccountResult(findings, failures, unique)
    executor = ThreadPoolExecutor(
        max_workers=min(workers, len(unique)), thread_name_prefix="dormant-account"
    )
    try:
        futures: dict[Future[tuple[list[Finding], AccountFailure | None]], str] = {
            executor.submit(_scan_one, opener, t.account_id, settings, now): t.account_id
            for t in unique
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
    return MultiAccountResult(findings, failures, unique)


def scan_accounts(
    session: boto3.session.Session,
    targets: Iterable[AccountTarget],
    *,
    role_name: str,
    settings: Settings,
    now: datetime,
    workers: int = DEFAULT_WORKERS,
    on_account_done: Callable[[str, AccountFailure | None], None] | None = None,
    retry_mode: str = "standard",
    counter: CallCounter | None = None,
    region: str | None = None,
    config: botocore.config.Config | None = None,
) -> MultiAccountResult:
    """Scan every target account, the caller's own with its own credentials, others by role.

    Costs one ``sts:GetCallerIdentity``, then per account one ``sts:AssumeRole`` (none for the
    caller's own account) and ceil(roles/1000) ``iam:GetAccountAuthorizationDetails``. Pass
    the ``counter`` given to ``organization_targets`` to have its calls in ``calls`` too;
    ``config`` is merged over dormant's client settings (e.g. fewer retry attempts).
    Raises only for bad arguments or when the caller cannot be identified; each account's
    failure is in ``failures``.
    """
    from dormant.aws.orgs import AccountSessions, CallCounter, caller_identity
    from dormant.aws.session import client_config

    workers = check_workers(workers)
    role_name = parse_role_name(role_name, "--role-name")
    if retry_mode not in RETRY_MODES:
        raise InvalidParameter(
            "--retry-mode", f"expected one of {', '.join(RETRY_MODES)}, got {retry_mode!r}"
        )
    mode: RetryMode = "adaptive" if retry_mode == "adaptive" else "standard"
    counter = counter if counter is not None else CallCounter()
    unique = _dedupe(targets)
    if not unique:
        return MultiAccountResult([], [], [], counter.snapshot())
    base_config = client_config(retry_mode=mode)
    if config is not None:
        base_config = base_config.merge(config)
    caller = caller_identity(session, base_config, counter=counter)
    opener = AccountSessions(
        session,
        caller,
        role_name=role_name,
        counter=counter,
        retry_mode=mode,
        region=region,
        config=config,
    )
    result = scan_with(
        opener,
        unique,
        settings=settings,
        now=now,
        workers=workers,
        on_account_done=on_account_done,
    )
    result.calls = counter.snapshot()
    return result
