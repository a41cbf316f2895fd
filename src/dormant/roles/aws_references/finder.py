"""``reference_finder``: the one place that builds a finder over the sources asked for.

``iam`` first (the role reader's data, or one read of GetAccountAuthorizationDetails), then
``config`` and ``live``. Command-line only: the Lambda builds its own from ``config``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from dormant.aws.session import aws_call
from dormant.roles.model import Role, RoleReferences
from dormant.roles.references import ReferenceFinder, combined
from dormant.roles.references.iam import IamReferenceIndex

__all__ = ["LazyFinder", "enabled_regions", "reference_finder"]

Warn = Callable[[str], None]


def enabled_regions(session: Any, config: Any, account_id: str) -> list[str]:
    """Every Region the account has enabled: one ec2:DescribeRegions call."""
    region = session.region_name or "us-east-1"
    with aws_call("ec2:DescribeRegions", account_id):
        answer = session.client("ec2", region_name=region, config=config).describe_regions()
    return sorted(str(r["RegionName"]) for r in answer.get("Regions", []))


def reference_finder(
    session: Any,
    sources: Sequence[str],
    *,
    account_id: str,
    iam_index: IamReferenceIndex | None = None,
    aggregator: str | None = None,
    regions: Sequence[str] | None = None,
    config: Any = None,
    warn: Warn = lambda message: None,
) -> ReferenceFinder | None:
    """A finder over ``sources`` (``iam``, ``config``, ``live``), or None for none.

    ``iam_index`` is the role reader's; without it, the ``iam`` data is read once here.
    """
    if not sources:
        return None
    finders: list[ReferenceFinder] = []
    if "iam" in sources:
        if iam_index is None:
            from dormant.roles.aws import read_iam_references

            iam_index = read_iam_references(session.client("iam", config=config), account_id)
        finders.append(iam_index)
    wanted = regions
    if ("config" in sources and aggregator is None) or "live" in sources:
        wanted = list(regions) if regions else enabled_regions(session, config, account_id)
    if "config" in sources:
        from dormant.roles.aws_references.config import config_finder

        finders.append(
            config_finder(
                lambda region: session.client("config", region_name=region, config=config),
                account_id=account_id,
                regions=list(wanted or [session.region_name or "us-east-1"]),
                aggregator=aggregator,
                warn=warn,
            )
        )
    if "live" in sources:
        from dormant.roles.aws_references.live import live_finder

        finders.append(
            live_finder(
                lambda service, region: session.client(service, region_name=region, config=config),
                account_id=account_id,
                regions=list(wanted or ()),
                warn=warn,
            )
        )
    return combined(finders)


class LazyFinder:
    """A ``ReferenceFinder`` built on its first question (remediation: a run that refuses
    everything before asking, or names no role, reads nothing)."""

    def __init__(self, build: Callable[[], ReferenceFinder | None]) -> None:
        self._build = build
        self._finder: ReferenceFinder | None = None
        self._built = False

    def references(self, roles: Sequence[Role]) -> Mapping[str, RoleReferences]:
        if not self._built:
            self._finder, self._built = self._build(), True
        if self._finder is None:
            return {}
        return self._finder.references(roles)
