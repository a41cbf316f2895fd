"""dormant_sim: a simulated AWS (moto, made strict) for dormant's tests, benchmarks and demo.

Test support, not product: it patches moto's private response classes so that moto pages,
validates, stores and fails like AWS where dormant depends on it. Nothing in the `dormant`
package imports it at module level, and the Lambda's code never imports it (the Lambda zip
does not carry it). Written against moto 5.1 and 5.2: the `dormant[demo]` extra pins
`moto>=5.2.6,<5.3` (`service_models` uses moto's model-driven request parser as 5.2.6 has
it; earlier versions passed the suite before requests were checked). moto's private classes
change between releases, so run the whole suite on a new moto before widening the pin.

- `service_models`: every request checked against botocore's service model (`dispatch` and
  `s3` call it); `iam_rules`: IAM's own refusals (principals that exist, sizes, quotas,
  roles only AWS changes); `s3`: S3 requests checked and enforced with bucket policies;
- `installer`: installs the services' patches on moto (`SERVICES`: `dispatch`, `enforcement`
  (IAM policies enforced, off unless `Simulation.enforcing()`; `policy` evaluates them,
  `principals` and `request_context` give the caller and the resource), `iam`,
  `credentials` (IAM's credential report), `sts`, `config`, `config_aggregate`,
  `config_query` (SelectResourceConfig and SelectAggregateResourceConfig over
  `config_items`' configuration items, in `config_sql`'s subset of Config's SQL),
  `securityhub`, `access` (service-last-accessed jobs), `access_analyzer` (IAM Access
  Analyzer's unused-access analyzers and V2 findings, a service moto lacks); a new
  simulated service is a new module in the shape `patching` describes);
- `config_items` builds AWS Config's configuration items from moto's Lambda, EC2, ECS,
  EventBridge, Step Functions, CodeBuild, CloudFormation, Glue, SageMaker, EKS and Batch
  backends, for the types the account's recorder records;
- `recording` counts calls; `faults` injects latency, errors and failed evaluations;
- `seed` builds accounts (roles, users, resources that reference roles, the recorder);
  `server` gives the handle tests use (`Simulation`) and the loopback server
  (`SimulatedAws`); `strict` re-exports the strict layer's controls under one name.
"""

from __future__ import annotations

try:
    import moto  # noqa: F401 (imported to fail early, with the remedy, when it is missing)
except ImportError as exc:  # pragma: no cover - exercised in a subprocess without moto
    raise ImportError(
        "dormant_sim is the simulated AWS for dormant's tests and demo and needs moto: "
        "install it with pip install 'dormant[demo]'"
    ) from exc

from dormant_sim.config import issue_result_token, scheduled_event, stored_evaluations
from dormant_sim.installer import install, uninstall
from dormant_sim.recording import recorder
from dormant_sim.seed import (
    SeededResource,
    SeededRole,
    put_configuration_recorder,
    put_referencing_resource,
    put_role,
    seed_demo_account,
)
from dormant_sim.server import SimulatedAws, Simulation, clean_aws_environment

__all__ = [
    "SeededResource",
    "SeededRole",
    "SimulatedAws",
    "Simulation",
    "clean_aws_environment",
    "install",
    "issue_result_token",
    "put_configuration_recorder",
    "put_referencing_resource",
    "put_role",
    "recorder",
    "scheduled_event",
    "seed_demo_account",
    "stored_evaluations",
    "uninstall",
]
