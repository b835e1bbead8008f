"""The Lambda zip leaves out the SDK the Lambda Python runtime provides, and nothing else."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from infrastructure.slim_package import provided_by_runtime, slim


@pytest.mark.parametrize("entry", [
    "botocore/__init__.py", "botocore-1.44.8.dist-info/METADATA", "boto3/session.py", "s3transfer/manager.py",
    "jmespath/parser.py", "jmespath-1.1.0.data/scripts/jp.py", "dateutil/tz/tz.py",
    "python_dateutil-2.9.0.dist-info/RECORD", "urllib3/poolmanager.py", "six.py", "six-1.17.0.dist-info/RECORD",
])
def test_the_runtime_sdk_is_recognised(entry: str) -> None:
    """GIVEN a file of boto3/botocore or their dependencies THEN it is dropped from the zip."""
    assert provided_by_runtime(entry)


@pytest.mark.parametrize("entry", [
    "app.py", "chalicelib/store/dynamo.py", "pynamodb/models.py", "pydantic_core/_pydantic_core.so",
    "aws_lambda_powertools/logging/logger.py", "jwt/api_jwt.py", "cryptography/x509/base.py",
    "sixty/__init__.py", "botocore_extras/x.py",
])
def test_our_code_and_other_libraries_are_kept(entry: str) -> None:
    """GIVEN the app, PynamoDB and every other dependency THEN they stay (look-alike names too)."""
    assert not provided_by_runtime(entry)


def test_slim_rewrites_the_zip_keeping_contents_byte_for_byte(tmp_path: Path) -> None:
    """GIVEN a package with app code and botocore WHEN slimmed THEN only botocore is gone and the rest is intact."""
    path = tmp_path / "deployment.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("app.py", "import chalicelib\n")
        z.writestr("pynamodb/models.py", "x = 1\n" * 100)
        z.writestr("botocore/data/endpoints.json", "{}" * 50_000)
    before, after = slim(path)
    assert after < before
    with zipfile.ZipFile(path) as z:
        assert sorted(z.namelist()) == ["app.py", "pynamodb/models.py"]
        assert z.read("pynamodb/models.py") == b"x = 1\n" * 100
