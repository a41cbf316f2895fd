"""A simulated AWS for tests and the demo: in-process or served on loopback.

`Simulation` is the handle tests use against the in-process `mock_aws()`; `SimulatedAws`
also serves the same simulation over HTTP on 127.0.0.1 (moto's `ThreadedMotoServer`, in this
process) so subprocesses such as the `dormant` command can reach it through
`AWS_ENDPOINT_URL`. Both install the strict layer (`dormant_sim.installer`).

It must never listen on anything but loopback, and never let a user's real AWS configuration
(profiles, credentials files, session tokens) reach a process it configures.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any

from moto.iam.models import iam_backends
from moto.moto_api._internal.models import moto_api_backend
from moto.server import ThreadedMotoServer

from dormant_sim import config, config_items, enforcement, faults, installer, principals, seed
from dormant_sim.enforcement import PrincipalCredentials
from dormant_sim.recording import recorder

__all__ = ["SimulatedAws", "Simulation", "clean_aws_environment"]

DEFAULT_REGION = "us-east-1"
_NONEXISTENT = os.path.join(os.sep, "nonexistent", "dormant-sim")


def clean_aws_environment(
    base: Mapping[str, str] | None = None,
    *,
    access_key_id: str = seed.FAKE_ACCESS_KEY_ID,
    secret_access_key: str = seed.FAKE_SECRET_ACCESS_KEY,
    region: str = DEFAULT_REGION,
    endpoint_url: str | None = None,
    session_token: str | None = None,
) -> dict[str, str]:
    """`base` (default: os.environ) without any AWS/moto setting, plus fake credentials.

    The config and credentials file variables point at files that do not exist, so a user's
    ~/.aws cannot leak profiles, credentials or endpoints into the process.
    """
    source = os.environ if base is None else base
    env = {
        k: v
        for k, v in source.items()
        if not (k.startswith("AWS_") or k.startswith("MOTO_") or k.startswith("BOTO_"))
    }
    env.update(
        {
            "AWS_ACCESS_KEY_ID": access_key_id,
            "AWS_SECRET_ACCESS_KEY": secret_access_key,
            "AWS_DEFAULT_REGION": region,
            "AWS_REGION": region,
            "AWS_CONFIG_FILE": _NONEXISTENT + "-config",
            "AWS_SHARED_CREDENTIALS_FILE": _NONEXISTENT + "-credentials",
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )
    if endpoint_url is not None:
        env["AWS_ENDPOINT_URL"] = endpoint_url
    if session_token is not None:
        env["AWS_SESSION_TOKEN"] = session_token
    return env


class Simulation:
    """Handle on the simulated AWS: clients, seeding, recorder, latency and failure injection.

    With `endpoint_url=None` it drives the in-process `mock_aws()`, which the caller keeps
    active (the `sim` test fixture does). State is process-global, as moto's is.
    """

    def __init__(self, endpoint_url: str | None = None) -> None:
        installer.install()
        self.endpoint_url = endpoint_url
        self.recorder = recorder
        self._credentials: dict[tuple[str, str], tuple[str, str]] = {}

    # ---- clients and credentials

    def client(
        self,
        service: str,
        account_id: str = seed.DEFAULT_ACCOUNT_ID,
        *,
        region: str = DEFAULT_REGION,
    ) -> Any:
        """A boto3 client acting in `account_id`; its calls are recorded like anyone's."""
        client = seed.new_client(service, region=region, endpoint_url=self.endpoint_url)
        if account_id != seed.DEFAULT_ACCOUNT_ID:

            def select_account(request: Any, **_: Any) -> None:
                request.headers["x-moto-account-id"] = account_id

            client.meta.events.register("before-sign.*.*", select_account)
        return client

    def credentials(
        self, account_id: str, user_name: str = "dormant-sim-caller"
    ) -> tuple[str, str]:
        """Access key id and secret of an IAM user in `account_id` (created on first use).

        moto maps a request to the account that holds its access key, so these credentials
        act in `account_id` without any override.
        """
        cached = self._credentials.get((account_id, user_name))
        if cached is not None and cached[0] in iam_backends[account_id]["aws"].access_keys:
            return cached
        iam = seed.internal_client("iam", account_id, endpoint_url=self.endpoint_url)
        with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
            iam.create_user(UserName=user_name)
        # IAM allows two access keys per user: replace old ones rather than hit the limit.
        for old in iam.list_access_keys(UserName=user_name)["AccessKeyMetadata"]:
            iam.delete_access_key(UserName=user_name, AccessKeyId=old["AccessKeyId"])
        key = iam.create_access_key(UserName=user_name)["AccessKey"]
        credentials = (str(key["AccessKeyId"]), str(key["SecretAccessKey"]))
        self._credentials[(account_id, user_name)] = credentials
        return credentials

    # ---- IAM enforcement (dormant_sim.enforcement)

    def enforcing(self) -> contextlib.AbstractContextManager[None]:
        """Check every call against its caller's policies for the block (AccessDenied)."""
        return enforcement.enforcing()

    def principal(
        self,
        name: str,
        *,
        policies: Mapping[str, Mapping[str, Any]] | Sequence[Mapping[str, Any]] = (),
        managed_policy_arns: Sequence[str] = (),
        trust: Mapping[str, Any] | None = None,
        kind: str = "role",
        account_id: str = seed.DEFAULT_ACCOUNT_ID,
        path: str = "/",
        session_name: str = "dormant-sim-session",
    ) -> PrincipalCredentials:
        """A role (a session of it) or a user holding exactly `policies`, and its credentials.

        Made with setup calls the simulation does not check or record. `policies` are inline
        policy documents (a list is named policy-1, policy-2, ...); `trust` is the role's trust
        policy (default: the account), stored as given: the simulation plays the service that
        assumes the role. Use the credentials with `acting_as` (in-process) or
        `SimulatedAws.env(credentials=...)` (a subprocess), under `enforcing()`.
        """
        named = (
            dict(policies)
            if isinstance(policies, Mapping)
            else {f"policy-{index}": document for index, document in enumerate(policies, 1)}
        )
        if kind == "user":
            return principals.create_user_principal(
                account_id,
                name,
                policies=named,
                managed_policy_arns=managed_policy_arns,
                path=path,
                endpoint_url=self.endpoint_url,
            )
        if kind != "role":
            raise ValueError(f"kind must be 'role' or 'user', not {kind!r}")
        return principals.create_role_principal(
            account_id,
            name,
            policies=named,
            managed_policy_arns=managed_policy_arns,
            trust=trust if trust is not None else seed.trust_policy_for_account(account_id),
            path=path,
            session_name=session_name,
            endpoint_url=self.endpoint_url,
        )

    def acting_as(
        self, credentials: PrincipalCredentials
    ) -> contextlib.AbstractContextManager[None]:
        """In-process boto3 (default session and new sessions) acts as `credentials`."""
        return enforcement.acting_as(credentials)

    # ---- seeding

    def put_role(self, account_id: str, name: str, **kwargs: Any) -> seed.SeededRole:
        """`dormant_sim.seed.put_role` against this simulation."""
        return seed.put_role(account_id, name, endpoint_url=self.endpoint_url, **kwargs)

    def put_stack_role(
        self, account_id: str, stack_name: str, role_name: str, **kwargs: Any
    ) -> str:
        """`dormant_sim.seed.put_stack_role` against this simulation."""
        return seed.put_stack_role(
            account_id, stack_name, role_name, endpoint_url=self.endpoint_url, **kwargs
        )

    def bulk_roles(self, account_id: str, count: int, **kwargs: Any) -> list[seed.SeededRole]:
        return seed.bulk_roles(account_id, count, **kwargs)

    def put_user(self, account_id: str, name: str, **kwargs: Any) -> seed.SeededUser:
        """`dormant_sim.seed.put_user` against this simulation."""
        return seed.put_user(account_id, name, endpoint_url=self.endpoint_url, **kwargs)

    def bulk_users(self, account_id: str, count: int, **kwargs: Any) -> list[seed.SeededUser]:
        return seed.bulk_users(account_id, count, **kwargs)

    def seed_demo_account(self, account_id: str, now: datetime) -> list[seed.SeededRole]:
        return seed.seed_demo_account(account_id, now, endpoint_url=self.endpoint_url)

    def create_organization(
        self, member_account_ids: Sequence[str] = (), *, suspended: Sequence[str] = ()
    ) -> dict[str, str]:
        """Create an organization managed by the default account, with the given members.

        moto assigns random ids to created accounts; this renumbers them to the ids given, so
        tests can seed roles in known accounts. Returns {account id: status}.
        """
        from moto.organizations.models import organizations_backends

        orgs = seed.internal_client("organizations", endpoint_url=self.endpoint_url)
        orgs.create_organization(FeatureSet="ALL")
        backend = organizations_backends[seed.DEFAULT_ACCOUNT_ID]["aws"]
        statuses: dict[str, str] = {}
        for account_id in member_account_ids:
            created = orgs.create_account(
                Email=f"member-{account_id}@example.com", AccountName=f"member-{account_id}"
            )["CreateAccountStatus"]
            account = backend.get_account_by_id(created["AccountId"])
            account.id = account_id
            owner = organizations_backends.master_accounts.pop(created["AccountId"], None)
            if owner is not None:
                organizations_backends.master_accounts[account_id] = owner
            if account_id in suspended:
                account.status = "SUSPENDED"
            statuses[account_id] = account.status
        return statuses

    # ---- Config

    def put_configuration_recorder(
        self, account_id: str, region: str = DEFAULT_REGION, **kwargs: Any
    ) -> None:
        """`dormant_sim.seed.put_configuration_recorder` against this simulation."""
        seed.put_configuration_recorder(
            account_id, region, endpoint_url=self.endpoint_url, **kwargs
        )

    def put_referencing_resource(
        self,
        account_id: str,
        resource_type: str,
        name: str,
        role_arn: str,
        *,
        region: str = DEFAULT_REGION,
    ) -> seed.SeededResource:
        """`dormant_sim.seed.put_referencing_resource` against this simulation."""
        return seed.put_referencing_resource(
            account_id, resource_type, name, role_arn, region=region, endpoint_url=self.endpoint_url
        )

    def configuration_items(
        self, account_id: str, region: str = DEFAULT_REGION
    ) -> list[dict[str, Any]]:
        """The configuration items advanced queries see in the account and Region."""
        return config_items.configuration_items(account_id, region)

    def issue_result_token(
        self, rule_name: str, account_id: str, region: str = DEFAULT_REGION
    ) -> str:
        return config.issue_result_token(rule_name, account_id, region)

    def scheduled_event(self, rule_name: str, account_id: str, **kwargs: Any) -> dict[str, Any]:
        return config.scheduled_event(rule_name, account_id, **kwargs)

    def stored_evaluations(
        self, rule_name: str, account_id: str, region: str = DEFAULT_REGION
    ) -> list[config.StoredEvaluation]:
        return config.stored_evaluations(rule_name, account_id, region)

    # ---- injection

    def set_latency(self, seconds: float) -> None:
        faults.set_latency(seconds)

    def inject_error(
        self,
        service: str,
        operation: str,
        code: str,
        message: str = "Injected by the simulation",
        *,
        times: int | None = 1,
        account_id: str | None = None,
        status: int | None = None,
        when: Callable[[Mapping[str, Any]], bool] | None = None,
    ) -> faults.Injection:
        return faults.inject_error(
            service,
            operation,
            code,
            message,
            times=times,
            account_id=account_id,
            status=status,
            when=when,
        )

    def deny_assume_role(
        self, account_id: str, role_name: str | None = None, *, times: int | None = None
    ) -> faults.Injection:
        return faults.deny_assume_role(account_id, role_name, times=times)

    def fail_evaluations(self, count: int, *, calls: int = 1) -> None:
        faults.fail_evaluations(count, calls=calls)

    def clear_injections(self) -> None:
        faults.clear_injections()

    def reset(self) -> None:
        """Empty every account (moto's backends) and the strict layer's state."""
        moto_api_backend.reset()
        installer.reset()


class SimulatedAws(Simulation):
    """The simulation served on http://127.0.0.1:<port> while the context is open."""

    def __init__(self, port: int = 0) -> None:
        super().__init__(endpoint_url=None)
        self._requested_port = port
        self._server: ThreadedMotoServer | None = None

    def start(self) -> SimulatedAws:
        if self._server is not None:
            return self
        # werkzeug logs every request to stderr unless its logger is configured first.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        server = ThreadedMotoServer(
            ip_address="127.0.0.1", port=self._requested_port, verbose=False
        )
        server.start()
        host, port = server.get_host_and_port()
        self._server = server
        self.endpoint_url = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
            self.endpoint_url = None

    def __enter__(self) -> SimulatedAws:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def env(
        self,
        base: Mapping[str, str] | None = None,
        *,
        account_id: str | None = None,
        region: str = DEFAULT_REGION,
        credentials: PrincipalCredentials | None = None,
    ) -> dict[str, str]:
        """Environment for a subprocess that must talk to this simulation and nothing else.

        With `account_id`, the credentials are an IAM user's access key in that account; with
        `credentials` (from `principal`), those of that principal.
        """
        if self.endpoint_url is None:
            raise RuntimeError("SimulatedAws is not started")
        token = None
        if credentials is not None:
            key, secret = credentials.access_key_id, credentials.secret_access_key
            token = credentials.session_token
        elif account_id is None or account_id == seed.DEFAULT_ACCOUNT_ID:
            key, secret = seed.FAKE_ACCESS_KEY_ID, seed.FAKE_SECRET_ACCESS_KEY
        else:
            key, secret = self.credentials(account_id)
        return clean_aws_environment(
            base,
            access_key_id=key,
            secret_access_key=secret,
            region=region,
            endpoint_url=self.endpoint_url,
            session_token=token,
        )
