"""The adapters `dormant retire` builds from its options: owners' channels, the reference
finder, and AWS's findings joined with dormant's decision (``--source``).

Thin: each turns options into the objects the campaign (``dormant.campaign.run``) takes;
nothing is decided here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from dormant.commands.archive import read_role_findings
from dormant.core.aws_findings import FindingSource
from dormant.core.settings import Settings
from dormant.notify.channel import Channel, NotifyTarget

__all__ = ["agreed_with_source", "channels_for", "reference_finder_for"]


def channels_for(targets: tuple[NotifyTarget, ...], session: Any) -> tuple[Channel, ...]:
    """The channel of each ``--notify`` target; boto3 loads only when SNS is used."""
    channels: list[Channel] = []
    for target in targets:
        if target.kind == "sns":
            from dormant.aws.session import client_config
            from dormant.aws.sns import SnsChannel

            region = target.value.split(":")[3]
            client = session.client("sns", region_name=region, config=client_config())
            channels.append(SnsChannel(client, target.value))
        else:
            from dormant.notify.webhook import WebhookChannel

            channels.append(WebhookChannel(target.value))
    return tuple(channels)


def reference_finder_for(session: Any, options: Any, account_id: str, iam_index: Any) -> Any:
    """What references each role: the role reader's iam data, and config or live when asked
    (read on the first question)."""
    from dormant.aws.session import client_config
    from dormant.roles.aws_references.finder import LazyFinder, reference_finder

    def warn(message: str) -> None:
        click.echo(f"dormant: warning: {message}", err=True)

    return LazyFinder(
        lambda: reference_finder(
            session,
            options.sources,
            account_id=account_id,
            iam_index=iam_index,
            aggregator=options.aggregator,
            regions=options.regions,
            config=client_config(),
            warn=warn,
        )
    )


def agreed_with_source(
    session: Any,
    finding_source: FindingSource,
    analyzer_arn: str | None,
    roles: list[Any],
    account_id: str,
    settings: Settings,
    now: datetime,
) -> tuple[Any, Any]:
    """AWS's findings about the account's roles joined with dormant's decision, and their
    archiver; (None, None) with dormant's own source."""
    if finding_source is FindingSource.DORMANT:
        return None, None
    from dormant.roles.agreement import agreed_roles

    read = read_role_findings(session, finding_source, analyzer_arn, account_id)
    agreed = agreed_roles(
        read.findings,
        roles,
        source=read.source.value,
        settings=settings,
        now=now,
        account_id=account_id,
    )
    return agreed, read.archiver
