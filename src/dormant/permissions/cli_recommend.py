"""``dormant restrict ROLE --recommendation access-analyzer``: the command-line edge.

Builds the adapters on one session (IAM for the role, its policies and its last access, for the
freshness check; IAM Access Analyzer for the role's UnusedPermission finding, its
recommendation and ValidatePolicy; the backup store ``--backup-dir`` names, checked before
anything changes) and hands them to ``dormant.permissions.recommend_run``. With ``securityhub``
the recommendation comes from Security Hub's V2 API (the role's OCSF finding,
GenerateRecommendedPolicyV2); documents are validated with Access Analyzer's ValidatePolicy
either way. With ``--archive`` the role's open UnusedPermission findings are read from the same
service before anything changes (``dormant.aws.findings_source``), and each role restricted
(DONE) has its finding archived after (``dormant.remediation.archive``); an archive that fails
is its own result and never undoes the restriction. Nothing else is decided here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC
from typing import Any

from dormant.core.aws_findings import FindingSource
from dormant.core.errors import InvalidParameter
from dormant.core.recommendations import Recommendation, RecommendationSource
from dormant.core.settings import Settings
from dormant.permissions.recommend_run import apply_recommendations
from dormant.remediation.archive import ArchiveResult, archive_done
from dormant.remediation.outcome import Outcome
from dormant.remediation.targets import Target
from dormant.roles.remediate.backup_store import BackupStore, S3Location, backup_store_for
from dormant.roles.remediate.state import RoleState

__all__ = ["check_recommendation_options", "run_recommendations"]


# The finding type whose recommendation is applied, and whose finding --archive closes.
_FINDING_TYPES = ("UnusedPermission",)


def check_recommendation_options(
    source: str, *, apply: bool, backup_dir: str | None, analyzer_arn: str | None
) -> RecommendationSource:
    """The source, once the options are known good (before any AWS call)."""
    chosen = RecommendationSource(source)
    if chosen is RecommendationSource.SECURITYHUB and analyzer_arn is not None:
        raise InvalidParameter(
            "--analyzer-arn", "applies to --recommendation access-analyzer, not securityhub"
        )
    if apply and backup_dir is None:
        raise InvalidParameter(
            "--backup-dir",
            "is required with --recommendation --apply: the role's state is backed up "
            "before anything changes",
        )
    return chosen


def _store(backup_dir: str, session: Any) -> BackupStore:
    from dormant.aws.s3 import S3ObjectStore
    from dormant.aws.session import client_config

    def open_location(location: S3Location) -> S3ObjectStore:
        store = S3ObjectStore(
            session.client("s3", config=client_config()), location.bucket, location.prefix
        )
        store.check_versioning()
        return store

    return backup_store_for(backup_dir, open_location)


def run_recommendations(
    targets: Sequence[Target],
    *,
    source: RecommendationSource,
    settings: Settings,
    now: Any,
    apply: bool,
    backup_dir: str | None,
    analyzer_arn: str | None,
    profile: str | None,
    region: str | None,
    archive: bool = False,
) -> tuple[Iterable[Outcome], list[ArchiveResult]]:
    """Each role's outcome and, with ``archive`` and ``apply``, the archive of each
    restricted role's finding (then the outcomes are all made before the archives)."""
    # boto3 loads only when a command really runs, so --help and usage errors stay fast.
    from dormant.aws.access_analyzer import find_analyzer
    from dormant.aws.recommendations import role_recommendation, validation_problems
    from dormant.aws.securityhub_recommendations import role_recommendation_v2
    from dormant.aws.session import client_config, make_session
    from dormant.permissions.aws import IamAccessSource, access_client_config
    from dormant.roles.aws_mutator import IamRoleMutator

    session = make_session(profile, region)
    store = None if backup_dir is None else _store(backup_dir, session)
    mutator = IamRoleMutator.from_session(session, client_config())
    account = mutator.caller().account_id
    client = session.client("accessanalyzer", config=client_config())
    recommend: Callable[[RoleState], Recommendation | None]
    if source is RecommendationSource.SECURITYHUB:
        hub = session.client("securityhub", config=client_config())

        def recommend(state: RoleState) -> Recommendation | None:
            return role_recommendation_v2(hub, state.role.arn, account_id=account)

    else:
        analyzer = find_analyzer(client, account, analyzer_arn)

        def recommend(state: RoleState) -> Recommendation | None:
            return role_recommendation(client, analyzer, state.role.arn, account_id=account)

    def validate(document: Mapping[str, Any]) -> list[str]:
        return validation_problems(client, dict(document), account_id=account)

    # Read before anything changes: a source that cannot be read stops the run here.
    read = None
    if archive and apply:
        from dormant.aws.findings_source import finding_reader, read_all

        reader = finding_reader(
            FindingSource(source.value), session, account, analyzer_arn=analyzer_arn
        )
        read = read_all(reader, _FINDING_TYPES, owner_account=account)
    access = IamAccessSource(
        session.client("iam", config=access_client_config(1)), account_id=account
    )
    outcomes = apply_recommendations(
        mutator,
        mutator,
        recommend,
        validate,
        access,
        targets,
        settings=settings,
        now=now,
        apply=apply,
        store=store,
    )
    if read is None:
        return outcomes, []
    made = list(outcomes)
    # `now` is the clock's with --apply (restrict refuses --as-of with it).
    on = now.astimezone(UTC).date()
    return made, archive_done(read.archiver, read.findings, made, "restricted", on)
