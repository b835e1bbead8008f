"""Drop from the Lambda zip what the Lambda Python runtime already provides.

`chalice package` installs requirements.txt with every transitive dependency, so any library that
depends on botocore (PynamoDB did: 16 MB zipped of a 26.6 MB package) brings it and its helpers.
The managed Python runtimes ship boto3 and botocore with those same helpers, so packaging them only
makes every cold start download and unzip a second copy. docs/deploy.md says how to pin an SDK
version with a layer instead.

    python -m infrastructure.slim_package build/package/deployment.zip
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import zipfile
from pathlib import Path

# Distributions in the AWS Lambda Python 3.11+ runtimes (boto3 and its dependencies).
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "python_dateutil", "urllib3",
                    "six")
_TOP_LEVEL = re.compile(r"^(?P<name>[A-Za-z0-9_]+?)(?:-[^/]*\.(?:dist-info|data))?(?:\.py)?(?:/|$)")


def provided_by_runtime(entry: str) -> bool:
    match = _TOP_LEVEL.match(entry)
    return match is not None and match.group("name").lower() in RUNTIME_PROVIDED


def slim(zip_path: Path) -> tuple[int, int]:
    """Rewrites the zip in place; returns (bytes before, bytes after)."""
    before = zip_path.stat().st_size
    fd, tmp_name = tempfile.mkstemp(suffix=".zip", dir=zip_path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with zipfile.ZipFile(zip_path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                if not provided_by_runtime(info.filename):
                    dst.writestr(info, src.read(info), compress_type=info.compress_type)
        tmp.replace(zip_path)
    finally:
        tmp.unlink(missing_ok=True)
    return before, zip_path.stat().st_size


def main(argv: list[str]) -> int:
    for name in argv:
        before, after = slim(Path(name))
        print(f"{name}: {before / 1e6:.2f} MB -> {after / 1e6:.2f} MB (runtime-provided SDK removed)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
