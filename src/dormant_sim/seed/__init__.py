"""Build realistic simulated accounts: clients, roles with ages and last use, the demo account.

`clients` gives boto3 clients with fake credentials (and seeding clients the simulation does
not record), `roles` seeds roles (`put_role` through the API, `bulk_roles` straight into moto
for benchmark-sized accounts), `users` seeds IAM users with passwords and access keys,
`resources` the configuration recorder for Config's advanced queries and `compute`,
`automation` and `referencing` the resources that reference roles (Lambda functions,
instances, task definitions, rules, stacks, ...), `demo` the demo account. Their public
names are all here.
"""

from __future__ import annotations

from dormant_sim.seed.automation import (
    put_cloudformation_stack,
    put_codebuild_project,
    put_events_rule,
    put_glue_job,
    put_notebook_instance,
    put_state_machine,
)
from dormant_sim.seed.clients import (
    DEFAULT_ACCOUNT_ID,
    FAKE_ACCESS_KEY_ID,
    FAKE_SECRET_ACCESS_KEY,
    fake_session,
    internal_client,
    new_client,
)
from dormant_sim.seed.compute import (
    put_batch_compute_environment,
    put_ec2_instance,
    put_ecs_service,
    put_ecs_task_definition,
    put_eks_cluster,
    put_lambda_function,
)
from dormant_sim.seed.demo import (
    DEMO_ALLOW_PATTERNS,
    DEMO_MAX_DAYS,
    describe,
    seed_demo_account,
)
from dormant_sim.seed.referencing import put_referencing_resource
from dormant_sim.seed.resources import (
    SeededResource,
    instance_profile_for,
    put_configuration_recorder,
)
from dormant_sim.seed.roles import (
    ADMINISTRATOR_ACCESS_ARN,
    READ_ONLY_ACCESS_ARN,
    SeededRole,
    bulk_roles,
    ensure_aws_managed_policy,
    put_role,
    put_stack_role,
    set_aws_written_tags,
    trust_policy_for_account,
    trust_policy_for_service,
)
from dormant_sim.seed.users import KeySeed, PasswordSeed, SeededUser, bulk_users, put_user

__all__ = [
    "ADMINISTRATOR_ACCESS_ARN",
    "DEFAULT_ACCOUNT_ID",
    "DEMO_ALLOW_PATTERNS",
    "DEMO_MAX_DAYS",
    "FAKE_ACCESS_KEY_ID",
    "FAKE_SECRET_ACCESS_KEY",
    "READ_ONLY_ACCESS_ARN",
    "KeySeed",
    "PasswordSeed",
    "SeededResource",
    "SeededRole",
    "SeededUser",
    "bulk_roles",
    "bulk_users",
    "describe",
    "ensure_aws_managed_policy",
    "fake_session",
    "instance_profile_for",
    "internal_client",
    "new_client",
    "put_batch_compute_environment",
    "put_cloudformation_stack",
    "put_codebuild_project",
    "put_configuration_recorder",
    "put_ec2_instance",
    "put_ecs_service",
    "put_ecs_task_definition",
    "put_eks_cluster",
    "put_events_rule",
    "put_glue_job",
    "put_lambda_function",
    "put_notebook_instance",
    "put_referencing_resource",
    "put_role",
    "put_stack_role",
    "put_state_machine",
    "put_user",
    "seed_demo_account",
    "set_aws_written_tags",
    "trust_policy_for_account",
    "trust_policy_for_service",
]
