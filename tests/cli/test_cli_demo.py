"""`dormant demo`: the whole rule on a simulated account, with no AWS setup at all."""

from __future__ import annotations

from pathlib import Path

from dormant_sim import seed


def test_demo_prints_the_blog_report_without_aws(dormant, tmp_path: Path) -> None:
    # A profile that does not exist would break any real AWS call: the demo must not care.
    result = dormant("demo", "-f", "tsv", env={"AWS_PROFILE": "no-such-profile"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "AdminRole\tCOMPLIANT\tWas last used in us-west-2 46 days ago" in lines
    assert "VendorAuditRole\tNON_COMPLIANT\tWas last used in us-east-1 120 days ago" in lines
    assert "breakglass-role\tCOMPLIANT\tRole matches allow-list pattern /breakglass-role" in lines
    assert len(lines) == 13
    assert "AWSServiceRoleForSupport\tNOT_APPLICABLE\t" in result.stdout
    header = result.stderr
    assert f"a simulated account {seed.DEFAULT_ACCOUNT_ID} with 13 roles" in header
    assert "5 NON_COMPLIANT, 6 COMPLIANT, 2 NOT_APPLICABLE" in header
    assert "1 config:PutEvaluations" in header
    assert "1 iam:GetAccountAuthorizationDetails" in header


def test_demo_without_moto_says_how_to_install_it(dormant, tmp_path: Path) -> None:
    # A package named moto that fails to import stands in for moto not being installed.
    fake = tmp_path / "moto"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise ImportError('No module named moto')\n")
    result = dormant("demo", env={"PYTHONPATH": str(tmp_path)})
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "dormant: error: the demo needs moto: install it with pip install 'dormant[demo]'"
    ]
    assert result.stdout == ""


def test_demo_with_a_moto_the_simulator_cannot_patch_says_so(dormant, tmp_path: Path) -> None:
    # A moto without the private classes the simulator patches stands in for an untested one.
    fake = tmp_path / "moto"
    fake.mkdir()
    (fake / "__init__.py").write_text("def mock_aws(): ...\n")
    result = dormant("demo", env={"PYTHONPATH": str(tmp_path)})
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        "dormant: error: the demo's simulated AWS cannot load with the installed moto: "
        "install the tested versions with pip install 'dormant[demo]' (No module named 'moto."
    ), lines[0]
    assert result.stdout == ""
