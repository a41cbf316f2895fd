"""In-memory fakes of every interface dormant's engine uses: test your own wiring with them.

The functions the Lambda and the command line call take their AWS access as small interfaces
(``dormant.roles.scan.RoleSource``, ``EvaluationSink``, ``ComplianceHistory``, and
``dormant.remediation.RoleMutator``). The classes here implement them in memory, so your
tests (and ours) can run the real engine with no AWS account, no moto and no network::

    from dormant.core.events import ConfigRuleEvent
    from dormant.roles.decide import ROLES
    from dormant.engine.rule import run_rule
    from dormant.core.settings import Settings
    from dormant.testing import (
        InMemoryComplianceHistory, InMemoryEvaluationSink, InMemoryRoleSource,
    )

    history = InMemoryComplianceHistory()
    sink = InMemoryEvaluationSink(history=history, rule_name="my-rule")
    run_rule(event, Settings(), InMemoryRoleSource(my_roles).roles(), sink, history, kind=ROLES)
    assert [e.compliance for e in sink.delivered] == [...]

They behave like AWS where it matters, never like no-op mocks: the sink checks every call as
PutEvaluations does (at most 100 evaluations, annotations of 1..256 characters) and can be
told to report evaluations as failed; the history pages and filters by compliance type; the
role source pages like GetAccountAuthorizationDetails; the mutator keeps roles, policies,
tags and instance profiles and answers with IAM's errors (NoSuchEntity, DeleteConflict...).
Every fake can be told to fail a given call (``fail``), raises exactly the ``AwsAccessError``
dormant's boto3 adapter raises for the same answer, and records the calls it was given.

Layout: one module per AWS interface, mirroring ``dormant.aws`` (``iam``: the role source,
``config``: the sink and history, ``mutator``: the role mutator, ``users``: the user
mutator of users' remediation, ``notify``: a notice channel of the retire campaign,
``aggregate``: a Config aggregator for ``dormant.report.aggregated``, ``objects``: a
versioned bucket for role backups, ``access``: the
service last-access source of ``dormant.permissions.scan``, ``references``: what
references each role, for remediation's refusal; ``assignments``: Identity Center's
assignments, for ``dormant unassign`` and ``restore``; ``findings``: an archiver of AWS's
findings, for ``--archive``), sharing ``injection``
(planned failures, AWS-shaped errors). A new kind of finding (IAM users' credentials,
permissions inside roles) adds its fakes the same way: a module beside these, built on
``injection``, and its names in ``__all__`` below.

Standard library and dormant's pure core only: importing this never imports boto3,
botocore or moto, so it works with dormant's base install.
"""

from __future__ import annotations

from dormant.testing.access import AccessCall, InMemoryAccessSource, VirtualClock
from dormant.testing.aggregate import InMemoryAggregator
from dormant.testing.assignments import InMemoryAssignmentWriter
from dormant.testing.churn import Churn, ChurningAccount, MemoryConfig
from dormant.testing.config import (
    HistoryRequest,
    InMemoryComplianceHistory,
    InMemoryEvaluationSink,
    PutEvaluationsCall,
)
from dormant.testing.findings import InMemoryArchiver
from dormant.testing.iam import InMemoryRoleSource
from dormant.testing.injection import Failure, Failures, aws_error
from dormant.testing.mutator import IamCall, InMemoryRoleMutator
from dormant.testing.notify import InMemoryChannel
from dormant.testing.objects import InMemoryObjectStore
from dormant.testing.references import InMemoryReferenceFinder
from dormant.testing.users import InMemoryUserMutator

__all__ = [
    "AccessCall",
    "Churn",
    "ChurningAccount",
    "Failure",
    "Failures",
    "HistoryRequest",
    "IamCall",
    "InMemoryAccessSource",
    "InMemoryAggregator",
    "InMemoryArchiver",
    "InMemoryAssignmentWriter",
    "InMemoryChannel",
    "InMemoryComplianceHistory",
    "InMemoryEvaluationSink",
    "InMemoryObjectStore",
    "InMemoryReferenceFinder",
    "InMemoryRoleMutator",
    "InMemoryRoleSource",
    "InMemoryUserMutator",
    "MemoryConfig",
    "PutEvaluationsCall",
    "VirtualClock",
    "aws_error",
]
