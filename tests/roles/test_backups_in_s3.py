"""Backups in S3 (the simulated one): written encrypted, read back and compared before any
delete, refused on a bucket without versioning, and restored from their s3:// URL, by the
library and by the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime

import pytest

from dormant.aws.s3 import S3ObjectStore
from dormant.core.errors import BackupError
from dormant.core.settings import Settings
from dormant.remediation import Status, Target
from dormant.roles.aws_mutator import IamRoleMutator
from dormant.roles.remediate import delete, restore
from dormant.roles.remediate.backup_store import ObjectBackupStore
from dormant_sim.server import SimulatedAws, Simulation
from remediation_support import ACCOUNT, describe_raw, put_full_role, role_exists

BUCKET = "dormant-backups-111111111111"


def _bucket(client: object, *, versioned: bool = True) -> None:
    client.create_bucket(Bucket=BUCKET)  # type: ignore[attr-defined]
    if versioned:
        client.put_bucket_versioning(  # type: ignore[attr-defined]
            Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"}
        )


def test_delete_writes_an_encrypted_verified_backup_and_restore_reads_it(
    sim: Simulation, mutator: IamRoleMutator, now: datetime
) -> None:
    s3 = sim.client("s3")
    _bucket(s3)
    put_full_role(sim, "OldJob", now)
    iam = sim.client("iam")
    before = describe_raw(iam, "OldJob")
    store = ObjectBackupStore(S3ObjectStore(s3, BUCKET, "retire/"))
    [deleted] = delete(
        mutator,
        [Target("OldJob")],
        settings=Settings(),
        now=now,
        apply=True,
        backup_dir=store,
        clock=lambda: now,
    )
    url = f"s3://{BUCKET}/retire/{ACCOUNT}-OldJob.json"
    assert deleted.status is Status.DONE, deleted.message
    version = s3.list_object_versions(Bucket=BUCKET, Prefix="retire/")["Versions"][0]["VersionId"]
    assert deleted.backup == f"{url}?versionId={version}"
    assert f"backup {url} version {version}" in deleted.message
    assert not role_exists(iam, "OldJob")
    head = s3.head_object(Bucket=BUCKET, Key=f"retire/{ACCOUNT}-OldJob.json")
    assert head["ServerSideEncryption"] == "AES256"
    document = json.loads(
        s3.get_object(Bucket=BUCKET, Key=f"retire/{ACCOUNT}-OldJob.json")["Body"].read()
    )
    assert document["role"]["role_id"] == before["RoleId"]

    [restored] = list(restore(mutator, [deleted.backup], apply=True, reader=store.read))
    assert restored.status is Status.DONE, restored.message
    assert f"from {url} version {version}" in restored.message
    assert describe_raw(iam, "OldJob")["Arn"] == before["Arn"]


def test_a_bucket_without_versioning_is_refused_and_nothing_is_deleted(
    sim: Simulation, mutator: IamRoleMutator, now: datetime
) -> None:
    s3 = sim.client("s3")
    _bucket(s3, versioned=False)
    put_full_role(sim, "OldJob", now)
    objects = S3ObjectStore(s3, BUCKET, "retire/")
    with pytest.raises(BackupError, match=f"backup bucket {BUCKET} does not keep versions"):
        objects.check_versioning()
    [outcome] = delete(
        mutator,
        [Target("OldJob")],
        settings=Settings(),
        now=now,
        apply=True,
        backup_dir=ObjectBackupStore(objects),
        clock=lambda: now,
    )
    assert outcome.status is Status.FAILED
    assert "does not keep versions" in outcome.message
    assert role_exists(sim.client("iam"), "OldJob")


def _dormant(server: SimulatedAws, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dormant", *args],
        capture_output=True,
        text=True,
        env=server.env(),
        timeout=120,
        check=False,
    )


def test_the_command_line_deletes_to_s3_and_restores_from_it(
    sim_server: SimulatedAws, now: datetime
) -> None:
    s3 = sim_server.client("s3")
    _bucket(s3)
    sim_server.put_role(ACCOUNT, "OldJob", created=now.replace(year=2024), last_used=None)
    deleted = _dormant(
        sim_server, "delete", "OldJob", "--backup-dir", f"s3://{BUCKET}/retire/", "--apply"
    )
    assert deleted.returncode == 0, deleted.stdout + deleted.stderr
    url = f"s3://{BUCKET}/retire/{ACCOUNT}-OldJob.json"
    assert url in deleted.stdout
    assert not role_exists(sim_server.client("iam"), "OldJob")
    restored = _dormant(sim_server, "restore", url, "--apply")
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert role_exists(sim_server.client("iam"), "OldJob")


def test_the_command_line_refuses_an_unversioned_bucket_in_one_line(
    sim_server: SimulatedAws, now: datetime
) -> None:
    _bucket(sim_server.client("s3"), versioned=False)
    sim_server.put_role(ACCOUNT, "OldJob", created=now.replace(year=2024), last_used=None)
    result = _dormant(sim_server, "retire", "--backup-dir", f"s3://{BUCKET}/", "--apply")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"dormant: error: backup bucket {BUCKET} does not keep versions (versioning is off): "
        "an overwritten or deleted backup would be lost; enable versioning on it first"
    ]
    assert sim_server.recorder.write_calls() == []
