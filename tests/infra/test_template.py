"""infrastructure/resources.yaml: it packages and lints, it provisions on moto exactly as
defined, the import workflow runs, provisioning is idempotent, and the Lambda policy
keeps the audit trail append-only."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from infrastructure.provision import (
    ProvisionedResources,
    TemplateError,
    load_template,
    moto_config,
    provision,
)

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "infrastructure" / "resources.yaml"
POLICY_FILE = ROOT / ".chalice" / "policy-dev.json"
ARCHIVE_POLICY_FILE = ROOT / ".chalice" / "policy-audit-archive.json"
BIN = Path(sys.executable).parent
REGION = "us-west-2"
# A stage of our own: moto's backends are shared by every moto server in this process
# (the e2e runtime provisions stage "local").
STAGE = "infratest"
GROUPS = {"admin", "officer", "dispatcher", "staff", "organizer", "instructor", "member"}


def _tool(name: str) -> str:
    candidate = BIN / name
    return str(candidate) if candidate.exists() else (shutil.which(name) or name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(TEMPLATE)


# --------------------------------------------------------------------------- (a) package + lint


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`chalice package --merge-template` on a copy of the app with no requirements.

    The dependencies only change deployment.zip, not the template, and installing them
    takes minutes; `make infra-lint` packages the real project.
    """
    project = tmp_path_factory.mktemp("chalice-project")
    shutil.copy(ROOT / "app.py", project / "app.py")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "chalicelib", project / "chalicelib", ignore=ignore)
    if (ROOT / "vendor").is_dir():
        shutil.copytree(ROOT / "vendor", project / "vendor", ignore=ignore)
    (project / ".chalice").mkdir()
    for source in (ROOT / ".chalice").glob("*.json"):
        shutil.copy(source, project / ".chalice" / source.name)
    (project / "requirements.txt").write_text("")
    env = {**os.environ, "AWS_DEFAULT_REGION": REGION, "PYTHONPATH": str(project)}
    started = time.monotonic()
    package = subprocess.run(
        [_tool("chalice"), "package", "--stage", "dev", "--merge-template", str(TEMPLATE), "out"],
        cwd=project, env=env, capture_output=True, text=True, timeout=60)
    assert package.returncode == 0, package.stdout + package.stderr
    sam = project / "out" / "sam.yaml"
    lint = subprocess.run([_tool("cfn-lint"), str(sam)], cwd=project, capture_output=True, text=True, timeout=60)
    return {"template": yaml.safe_load(sam.read_text()), "lint": lint, "seconds": time.monotonic() - started}


@pytest.mark.slow
def test_package_merges_and_passes_cfn_lint(packaged: dict[str, Any], template: dict[str, Any]) -> None:
    lint = packaged["lint"]
    assert lint.returncode == 0, f"cfn-lint:\n{lint.stdout}{lint.stderr}"
    assert packaged["seconds"] < 60
    merged = packaged["template"]
    assert set(template["Resources"]) <= set(merged["Resources"])
    assert merged["Parameters"]["Stage"]["Default"] == "dev"
    assert merged["Globals"]["Function"]["Environment"]["Variables"]["TABLE_NAME"] == {"Ref": "Table"}
    assert {"APIHandler", "RestAPI"} <= set(merged["Resources"])
    # The gateway responses are merged into the API chalice generates, next to its OpenAPI body
    # (SAM writes them into that body, so every deployment of the API carries them).
    api = merged["Resources"]["RestAPI"]
    assert api["Type"] == "AWS::Serverless::Api" and "paths" in api["Properties"]["DefinitionBody"]
    assert api["Properties"]["GatewayResponses"] == template["Resources"]["RestAPI"]["Properties"]["GatewayResponses"]
    assert set(template["Outputs"]) <= set(merged["Outputs"])
    # The audit seal job (docs/audit.md): hourly rule, works in the configured local hour, 15-minute limit.
    seal_job = merged["Resources"]["AuditSealNightly"]["Properties"]
    assert seal_job["Handler"] == "app.audit_seal_nightly"
    assert seal_job["Events"]["AuditSealNightlyEvent"] == {"Type": "Schedule",
                                                           "Properties": {"Schedule": "cron(15 * * * ? *)"}}
    assert seal_job["Timeout"] == 900
    # The audit archive's stream consumer reads THIS table's stream (wired by the merge template; app.py
    # only holds a placeholder), from the oldest record, with its own role.
    consumer = merged["Resources"]["AuditArchive"]["Properties"]
    assert consumer["Handler"] == "app.audit_archive"
    source = consumer["Events"]["AuditArchiveDynamodbEventSource"]
    assert source["Type"] == "DynamoDB"
    assert source["Properties"]["Stream"] == {"Fn::GetAtt": ["Table", "StreamArn"]}
    assert source["Properties"]["StartingPosition"] == "TRIM_HORIZON"
    assert consumer["Role"] == {"Fn::GetAtt": ["AuditArchiveRole", "Arn"]}
    # The job worker: a fixed name the API can invoke, 15 minutes, no retry of a crashed run.
    worker = merged["Resources"]["JobsWorker"]["Properties"]
    assert worker["Handler"] == "app.jobs_worker" and worker["Timeout"] == 900
    assert worker["FunctionName"] == {"Fn::Sub": "unioncore-${Stage}-jobs-worker"}
    assert worker["EventInvokeConfig"] == {"MaximumRetryAttempts": 0}
    api_env = merged["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert api_env["JOBS_WORKER_FUNCTION"] == worker["FunctionName"]
    assert api_env["UNIONCORE_STAGE"] == "dev"  # Chalice's own variables survive the merge
    archive = merged["Resources"]["AuditArchiveBucket"]["Properties"]
    assert archive["ObjectLockConfiguration"]["Rule"]["DefaultRetention"] == {
        "Mode": "COMPLIANCE", "Years": {"Ref": "AuditArchiveRetentionYears"}}
    assert merged["Parameters"]["AuditArchiveRetentionYears"]["Default"] == 7


# --------------------------------------------------------------------------- API Gateway's own answers


def test_gateway_responses_make_a_refused_token_a_401_the_site_can_read(template: dict[str, Any]) -> None:
    """API Gateway answers a missing or refused token itself: those answers must be a 401 (the web app
    refreshes on 401) with the site's origin in Access-Control-Allow-Origin (without it the browser only
    sees a network error), in the API's error contract."""
    from infrastructure.local_runtime.gateway import RESPONSE_TYPES, GatewayResponses

    responses = template["Resources"]["RestAPI"]["Properties"]["GatewayResponses"]
    expected = {"UNAUTHORIZED", "ACCESS_DENIED", "MISSING_AUTHENTICATION_TOKEN", "DEFAULT_4XX", "DEFAULT_5XX"}
    assert expected <= set(responses)
    assert set(responses) <= RESPONSE_TYPES
    assert responses["UNAUTHORIZED"]["StatusCode"] == responses["ACCESS_DENIED"]["StatusCode"] == "401"
    assert responses["MISSING_AUTHENTICATION_TOKEN"]["StatusCode"] == "404"
    # The defaults keep API Gateway's status (429 throttled, 413 too large, 504 timeout ...).
    assert "StatusCode" not in responses["DEFAULT_4XX"] and "StatusCode" not in responses["DEFAULT_5XX"]

    site_origin = template["Globals"]["Function"]["Environment"]["Variables"]["ALLOWED_ORIGINS"]
    assert site_origin == {"Fn::Sub": "https://${SiteDistribution.DomainName}"}
    for response_type, spec in responses.items():
        # SAM's GatewayResponse shape (its translator rejects anything else).
        assert set(spec) <= {"StatusCode", "ResponseParameters", "ResponseTemplates"}, response_type
        headers = spec["ResponseParameters"]["Headers"]
        assert set(spec["ResponseParameters"]) == {"Headers"}
        # exactly the origin the API's own CORS allows (ALLOWED_ORIGINS), as a static header value
        assert headers["Access-Control-Allow-Origin"] == {"Fn::Sub": "'" + site_origin["Fn::Sub"] + "'"}, response_type
        assert headers["Vary"] == "'Origin'" and headers["Cache-Control"] == "'no-store'"
        assert set(spec["ResponseTemplates"]) == {"application/json"}
    for response_type in ("UNAUTHORIZED", "ACCESS_DENIED"):
        assert responses[response_type]["ResponseParameters"]["Headers"]["WWW-Authenticate"] == "'Bearer'"

    # Rendered as API Gateway renders them (the local server's renderer, strict about what it supports):
    # the error contract, message included, for every response type.
    gateway = GatewayResponses(responses, allowed_origin="https://site.example")
    for response_type, status, code in [("UNAUTHORIZED", 401, "UNAUTHORIZED"), ("ACCESS_DENIED", 401, "UNAUTHORIZED"),
                                        ("MISSING_AUTHENTICATION_TOKEN", 404, "NOT_FOUND"),
                                        ("AUTHORIZER_FAILURE", 500, "AUTHORIZER_FAILURE")]:
        answer = gateway.answer(response_type, 'Said "no"')
        body = json.loads(answer.body)
        assert answer.status == status and answer.headers["Access-Control-Allow-Origin"] == "https://site.example"
        assert set(body["error"]) == {"code", "message", "fields"} and body["error"]["code"] == code
        assert body["error"]["fields"] == [] and body["error"]["message"]
    assert json.loads(gateway.answer("AUTHORIZER_FAILURE", 'Said "no"').body)["error"]["message"] == 'Said "no"'


def _lambda_roles(merged: dict[str, Any]) -> dict[str, dict[str, Any]]:
    roles = {}
    for name, spec in merged["Resources"].items():
        if spec["Type"] != "AWS::IAM::Role":
            continue
        principals = [s.get("Principal", {}).get("Service") for s in
                      spec["Properties"]["AssumeRolePolicyDocument"]["Statement"]]
        if "lambda.amazonaws.com" in principals:
            roles[name] = spec
    return roles


# --------------------------------------------------------------------------- (d) the Lambda policy


def _policy() -> dict[str, Any]:
    return json.loads(POLICY_FILE.read_text())


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _audit_deny(policy: dict[str, Any]) -> dict[str, Any]:
    denies = [s for s in policy["Statement"] if s["Effect"] == "Deny"
              and "AUDIT#*" in _as_list(s.get("Condition", {}).get("ForAnyValue:StringLike", {})
                                         .get("dynamodb:LeadingKeys", []))]
    assert len(denies) == 1, "exactly one Deny keyed on AUDIT# leading keys"
    return denies[0]


def test_policy_denies_rewriting_or_deleting_audit_entries() -> None:
    deny = _audit_deny(_policy())
    actions = set(_as_list(deny["Action"]))
    assert {"dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"} <= actions
    assert "dynamodb:PutItem" not in actions  # audit entries are appended with PutItem (in transactions)
    # The daily seals of the audit trail (docs/audit.md) are just as append-only.
    assert "SEAL#*" in _as_list(deny["Condition"]["ForAnyValue:StringLike"]["dynamodb:LeadingKeys"])
    assert deny["Resource"] == {"Fn::GetAtt": ["Table", "Arn"]}
    assert "NotAction" not in deny and "NotResource" not in deny


def test_policy_is_least_privilege() -> None:
    policy = _policy()
    assert policy["Version"] == "2012-10-17"
    allowed: dict[str, list[Any]] = {}
    for statement in policy["Statement"]:
        assert "NotAction" not in statement and "NotResource" not in statement
        if statement["Effect"] == "Allow":
            for action in _as_list(statement["Action"]):
                assert "*" not in action, f"wildcard action {action}"
                allowed.setdefault(action, []).extend(_as_list(statement["Resource"]))
    dynamo = {a for a in allowed if a.startswith("dynamodb:")}
    assert dynamo == {
        "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
        "dynamodb:ConditionCheckItem", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:Query",
        "dynamodb:DescribeTable"}
    for action in dynamo:
        assert allowed[action] == [{"Fn::GetAtt": ["Table", "Arn"]}, {"Fn::Sub": "${Table.Arn}/index/*"}]
    assert allowed["s3:GetObject"] == allowed["s3:PutObject"] == [
        {"Fn::Sub": "${UploadsBucket.Arn}/*"}, {"Fn::Sub": "${ReportsBucket.Arn}/*"}]
    assert allowed["states:StartExecution"] == [{"Ref": "ImportStateMachine"}]
    # The integrity check lists the archive's versions (ETags), never reads, writes or deletes objects.
    assert allowed["s3:ListBucketVersions"] == [{"Fn::GetAtt": ["AuditArchiveBucket", "Arn"]}]
    assert not [a for a in allowed if a.startswith("s3:") and a not in
                ("s3:GetObject", "s3:PutObject", "s3:ListBucketVersions")]
    assert allowed["lambda:InvokeFunction"] == [{"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:"
                                                            "${AWS::AccountId}:function:unioncore-${Stage}-jobs-worker"}]
    for action in (a for a in allowed if a.startswith("cognito-idp:")):
        assert allowed[action] == [{"Fn::GetAtt": ["UserPool", "Arn"]}]
    # The identity secrets by their exact ARNs; other secrets only under the stage's own prefix.
    stage_prefix = "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:unioncore/${Stage}/*"
    assert allowed["secretsmanager:GetSecretValue"] == [
        {"Ref": "UserPoolClientSecret"}, {"Ref": "TokenKeySecret"}, {"Fn::Sub": stage_prefix}]
    assert {a for a in allowed if a.startswith("secretsmanager:")} == {"secretsmanager:GetSecretValue"}
    # Only xray may use "*" (it has no resource-level permissions).
    for action, resources in allowed.items():
        if "*" in resources:
            assert action.startswith("xray:"), action


def test_policy_actions_exist() -> None:
    """cfn-lint skips IAM action checks in SAM templates; check them against its data."""
    from cfnlint.data import AdditionalSpecs
    from cfnlint.helpers import load_resource

    services = load_resource(AdditionalSpecs, "Policies.json")
    for statement in _policy()["Statement"]:
        for action in _as_list(statement["Action"]):
            service, name = action.split(":", 1)
            assert name.lower() in services[service]["Actions"], action


@pytest.mark.slow
def test_every_lambda_role_in_the_package_carries_the_policy(packaged: dict[str, Any]) -> None:
    roles = _lambda_roles(packaged["template"])
    assert roles, "chalice generated no Lambda role"
    assert "AuditArchiveRole" in roles
    for name, role in roles.items():
        documents = [p["PolicyDocument"] for p in role["Properties"]["Policies"]]
        if name == "AuditArchiveRole":
            # The stream consumer has its own, narrower policy: no table items at all.
            assert documents == [json.loads(ARCHIVE_POLICY_FILE.read_text())], name
            continue
        assert _policy() in documents, name
        assert any(_audit_deny(d) for d in documents)


def test_archive_consumer_policy_reads_the_stream_and_creates_archive_objects_only() -> None:
    """The consumer may read the table's stream and put objects in the archive: nothing else (no table
    items, no S3 read/delete, no retention changes)."""
    policy = json.loads(ARCHIVE_POLICY_FILE.read_text())
    allowed: dict[str, list[Any]] = {}
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow" and "NotAction" not in statement
        for action in _as_list(statement["Action"]):
            allowed.setdefault(action, []).extend(_as_list(statement["Resource"]))
    assert allowed.pop("s3:PutObject") == [{"Fn::Sub": "${AuditArchiveBucket.Arn}/*"}]
    for action in ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"):
        assert allowed.pop(action) == [{"Fn::Sub": "${Table.Arn}/stream/*"}]
    assert allowed.pop("dynamodb:ListStreams") == ["*"]  # no resource-level permission exists for it
    assert set(allowed) == {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
                            "xray:PutTraceSegments", "xray:PutTelemetryRecords"}
    from cfnlint.data import AdditionalSpecs
    from cfnlint.helpers import load_resource

    services = load_resource(AdditionalSpecs, "Policies.json")
    for statement in policy["Statement"]:
        for action in _as_list(statement["Action"]):
            service, name = action.split(":", 1)
            assert name.lower() in services[service]["Actions"], action


# --------------------------------------------------------------------------- (b) provisioning on moto


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = _free_port()
    previous_port = os.environ.get("MOTO_PORT")
    # moto's ASL interpreter calls DynamoDB at localhost:$MOTO_PORT.
    os.environ["MOTO_PORT"] = str(port)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    before = moto_config(url) or {}
    try:
        yield url
    finally:
        if "stepfunctions" in before:
            moto_config(url, {"stepfunctions": before["stepfunctions"]})
        server.stop()
        if previous_port is None:
            os.environ.pop("MOTO_PORT", None)
        else:
            os.environ["MOTO_PORT"] = previous_port


@pytest.fixture(scope="module")
def resources(endpoint: str) -> ProvisionedResources:
    return provision(STAGE, endpoint, REGION)


def _client(service: str, endpoint: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def test_names_follow_the_stage(resources: ProvisionedResources) -> None:
    assert resources.table_name == f"unioncore-{STAGE}"
    assert resources.site_bucket == f"unioncore-{STAGE}-site"
    assert resources.uploads_bucket == f"unioncore-{STAGE}-uploads"
    assert resources.reports_bucket == f"unioncore-{STAGE}-reports"
    assert resources.audit_archive_bucket == f"unioncore-{STAGE}-audit-archive"
    assert resources.import_state_machine_arn.endswith(f":stateMachine:unioncore-{STAGE}-import")
    assert resources.sender_email == "no-reply@unioncore.example.org"


def test_table_matches_template(resources: ProvisionedResources, endpoint: str, template: dict[str, Any]) -> None:
    spec = template["Resources"]["Table"]["Properties"]
    ddb = _client("dynamodb", endpoint)
    table = ddb.describe_table(TableName=resources.table_name)["Table"]
    assert table["KeySchema"] == spec["KeySchema"]
    assert sorted(table["AttributeDefinitions"], key=str) == sorted(spec["AttributeDefinitions"], key=str)
    actual = {i["IndexName"]: (i["KeySchema"], i["Projection"]) for i in table["GlobalSecondaryIndexes"]}
    expected = {i["IndexName"]: (i["KeySchema"], i["Projection"]) for i in spec["GlobalSecondaryIndexes"]}
    assert actual == expected and set(actual) == {"GSI1", "GSI2", "GSI3"}
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert table["DeletionProtectionEnabled"] is True
    assert table["SSEDescription"]["Status"] == "ENABLED"
    ttl = ddb.describe_time_to_live(TableName=resources.table_name)["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}
    backups = ddb.describe_continuous_backups(TableName=resources.table_name)["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"


def test_buckets_are_private_versioned_encrypted_tls_only(resources: ProvisionedResources, endpoint: str) -> None:
    s3 = _client("s3", endpoint)
    for bucket in (resources.site_bucket, resources.uploads_bucket, resources.reports_bucket,
                   resources.audit_archive_bucket):
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
        rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
        assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        assert block == {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                         "RestrictPublicBuckets": True}
        ownership = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
        assert ownership == [{"ObjectOwnership": "BucketOwnerEnforced"}]
        policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
        # The TLS-only deny is in the template (below); locally it is left out, because moto evaluates
        # bucket policies without conditions and would deny every request (provision.py).
        assert not [s for s in policy["Statement"] if s["Effect"] == "Deny" and "Condition" in s]
        # The CloudFront read grant exists only on AWS: no statement may be left half-resolved.
        assert "${" not in json.dumps(policy)
    spec = load_template(TEMPLATE)["Resources"]
    for name in ("SiteBucketPolicy", "UploadsBucketPolicy", "ReportsBucketPolicy", "AuditArchiveBucketPolicy"):
        tls = [s for s in spec[name]["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"
               and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}]
        assert len(tls) == 1 and tls[0]["Action"] == "s3:*", name


def test_audit_archive_is_write_once_under_compliance_retention(resources: ProvisionedResources,
                                                                endpoint: str) -> None:
    """GIVEN the archive bucket as provisioned WHEN an object is archived THEN it carries COMPLIANCE retention
    of the template's 7 years; a second create-only PUT of the key is refused (412); deleting its version is
    refused even with the bucket policy out of the way (Object Lock itself), and the object is unchanged."""
    s3 = _client("s3", endpoint)
    bucket = resources.audit_archive_bucket
    lock = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
    assert lock["ObjectLockEnabled"] == "Enabled"
    assert {k: v for k, v in lock["Rule"]["DefaultRetention"].items() if v} == {"Mode": "COMPLIANCE", "Years": 7}
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    denies = [st for st in policy["Statement"] if st["Effect"] == "Deny"]
    assert [set(_as_list(d["Action"])) for d in denies] == [{"s3:DeleteObject", "s3:DeleteObjectVersion"}]

    key = f"2001-01-01/entries/{os.urandom(6).hex()}.json"
    put = s3.put_object(Bucket=bucket, Key=key, Body=b'{"id":"x"}', IfNoneMatch="*", ChecksumAlgorithm="SHA256")
    head = s3.head_object(Bucket=bucket, Key=key)  # (moto 5.1.18 answers GetObjectRetention with a 500)
    assert head["ObjectLockMode"] == "COMPLIANCE"
    years = (head["ObjectLockRetainUntilDate"] - datetime.now(UTC)).days / 365
    assert 6.9 < years < 7.1
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as refused:
        s3.put_object(Bucket=bucket, Key=key, Body=b"forged", IfNoneMatch="*", ChecksumAlgorithm="SHA256")
    assert refused.value.response["Error"]["Code"] == "PreconditionFailed"
    with pytest.raises(ClientError):
        s3.delete_object(Bucket=bucket, Key=key, VersionId=put["VersionId"])  # the policy refuses it
    s3.delete_bucket_policy(Bucket=bucket)
    try:
        with pytest.raises(ClientError) as locked:
            s3.delete_object(Bucket=bucket, Key=key, VersionId=put["VersionId"])  # Object Lock refuses it
        assert locked.value.response["Error"]["Code"] == "AccessDenied"
    finally:
        provision(STAGE, endpoint, REGION)  # puts the bucket policy back
    assert s3.get_object(Bucket=bucket, Key=key, VersionId=put["VersionId"])["Body"].read() == b'{"id":"x"}'


def test_fragments_for_chalice_functions_are_skipped_locally(endpoint: str, tmp_path: Path) -> None:
    data = load_template(TEMPLATE)
    assert {n for n, spec in data["Resources"].items() if "Type" not in spec} == {
        "AuditArchive", "JobsWorker", "APIHandler", "RestAPI"}
    data["Resources"] = {"AuditArchive": {"Properties": {}, "Metadata": {"x": 1}}}
    bad = tmp_path / "fragment.yaml"
    bad.write_text(yaml.safe_dump(data))
    with pytest.raises(TemplateError, match="Metadata"):
        provision("infrafrag", endpoint, REGION, template_path=bad)


def test_user_pool_groups_and_client(resources: ProvisionedResources, endpoint: str,
                                     template: dict[str, Any]) -> None:
    idp = _client("cognito-idp", endpoint)
    pool = idp.describe_user_pool(UserPoolId=resources.user_pool_id)["UserPool"]
    spec = template["Resources"]["UserPool"]["Properties"]
    assert pool["UsernameAttributes"] == ["email"]
    assert pool["UsernameConfiguration"] == {"CaseSensitive": False}
    assert pool["Policies"]["PasswordPolicy"] == spec["Policies"]["PasswordPolicy"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["AccountRecoverySetting"] == spec["AccountRecoverySetting"]
    attributes = {a["Name"]: a for a in pool["SchemaAttributes"]}
    assert attributes["custom:member_id"]["Mutable"] is True
    assert attributes["custom:member_id"]["AttributeDataType"] == "String"
    mfa = idp.get_user_pool_mfa_config(UserPoolId=resources.user_pool_id)
    assert mfa["MfaConfiguration"] == "OPTIONAL" and mfa["SoftwareTokenMfaConfiguration"]["Enabled"] is True

    groups = idp.list_groups(UserPoolId=resources.user_pool_id)["Groups"]
    assert {g["GroupName"] for g in groups} == GROUPS

    client = idp.describe_user_pool_client(UserPoolId=resources.user_pool_id,
                                           ClientId=resources.user_pool_client_id)["UserPoolClient"]
    # Confidential: the secret exists, and the functions find it in Secrets Manager under the ARN the
    # template hands them (never as a value in their environment).
    assert client["ClientSecret"]
    env = resources.as_env()
    assert client["ClientSecret"] not in env.values()
    stored = _client("secretsmanager", endpoint).get_secret_value(SecretId=env["USER_POOL_CLIENT_SECRET_ARN"])
    assert stored["SecretString"] == client["ClientSecret"]
    assert set(client["ExplicitAuthFlows"]) == {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
    assert (client["AccessTokenValidity"], client["IdTokenValidity"], client["RefreshTokenValidity"]) == (30, 30, 7)
    assert client["TokenValidityUnits"] == {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"}
    assert client["EnableTokenRevocation"] is True
    assert client["AuthSessionValidity"] == 3
    assert client["PreventUserExistenceErrors"] == "ENABLED"
    assert "custom:member_id" not in client["WriteAttributes"] and "email" not in client["WriteAttributes"]

    # The client really signs users in with USER_PASSWORD_AUTH; usernames are emails.
    email, password = "Infra.Admin@Example.org", "Correct-Horse-9-battery"
    idp.admin_create_user(UserPoolId=resources.user_pool_id, Username=email, MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": email},
                                          {"Name": "custom:member_id", "Value": "m-1"}])
    idp.admin_set_user_password(UserPoolId=resources.user_pool_id, Username=email, Password=password, Permanent=True)
    idp.admin_add_user_to_group(UserPoolId=resources.user_pool_id, Username=email, GroupName="admin")
    from chalicelib.core.app_secrets import secret_hash

    proof = secret_hash(email, resources.user_pool_client_id, client["ClientSecret"])
    auth = idp.initiate_auth(ClientId=resources.user_pool_client_id, AuthFlow="USER_PASSWORD_AUTH",
                             AuthParameters={"USERNAME": email, "PASSWORD": password, "SECRET_HASH": proof})
    token = auth["AuthenticationResult"]["AccessToken"]
    # ... and its tokens verify against the JWKS_URL / TOKEN_ISSUER that as_env() hands the app.
    import jwt

    key = jwt.PyJWKClient(env["JWKS_URL"]).get_signing_key_from_jwt(token)
    claims = jwt.decode(token, key.key, algorithms=["RS256"], issuer=env["TOKEN_ISSUER"],
                        options={"verify_aud": False})
    assert "admin" in claims.get("cognito:groups", [])


# --------------------------------------------------------------------------- the import workflow


def _run_import(resources: ProvisionedResources, endpoint: str, batch_id: str,
                status: str | None) -> tuple[dict[str, Any], dict[str, Any] | None]:
    ddb = _client("dynamodb", endpoint)
    key = {"PK": {"S": f"IMPORT#{batch_id}"}, "SK": {"S": "BATCH"}}
    if status is not None:
        ddb.put_item(TableName=resources.table_name, Item={**key, "status": {"S": status}})
    sfn = _client("stepfunctions", endpoint)
    # Always name executions: moto 5.1.18 names unnamed ones "None" (then they collide).
    arn = sfn.start_execution(stateMachineArn=resources.import_state_machine_arn, name=f"import-{batch_id}",
                              input=json.dumps({"batch_id": batch_id}))["executionArn"]
    deadline = time.monotonic() + 30
    while True:
        execution = sfn.describe_execution(executionArn=arn)
        if execution["status"] != "RUNNING" or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    item = ddb.get_item(TableName=resources.table_name, Key=key, ConsistentRead=True).get("Item")
    return execution, item


def test_state_machine_definition_is_the_template_one(resources: ProvisionedResources, endpoint: str,
                                                      template: dict[str, Any]) -> None:
    machine = _client("stepfunctions", endpoint).describe_state_machine(
        stateMachineArn=resources.import_state_machine_arn)
    definition = json.loads(machine["definition"])
    expected = json.loads(json.dumps(template["Resources"]["ImportStateMachine"]["Properties"]["Definition"])
                          .replace("${TableName}", resources.table_name))
    assert definition == expected
    assert list(definition["States"])[:4] == ["Validate", "Stage", "Reconcile", "Commit"]


def test_import_runs_to_committed(resources: ProvisionedResources, endpoint: str) -> None:
    execution, item = _run_import(resources, endpoint, "b-ok", "pending")
    assert execution["status"] == "SUCCEEDED", execution
    assert item is not None and item["status"]["S"] == "committed"
    assert item["completed_at"]["S"]
    # A second execution of the same machine works too (moto#10077 worked around in-process).
    execution, item = _run_import(resources, endpoint, "b-ok-2", "pending")
    assert execution["status"] == "SUCCEEDED" and item is not None and item["status"]["S"] == "committed"


def test_import_failure_marks_the_batch_failed(resources: ProvisionedResources, endpoint: str) -> None:
    execution, item = _run_import(resources, endpoint, "b-draft", "draft")  # not pending: Validate fails
    assert execution["status"] == "FAILED" and execution["error"] == "ImportFailed"
    assert item is not None and item["status"]["S"] == "failed"
    assert item["error"]["S"] == "DynamoDB.ConditionalCheckFailedException"


def test_import_never_touches_committed_or_unknown_batches(resources: ProvisionedResources, endpoint: str) -> None:
    execution, item = _run_import(resources, endpoint, "b-done", "committed")
    assert execution["status"] == "FAILED"
    assert item == {"PK": {"S": "IMPORT#b-done"}, "SK": {"S": "BATCH"}, "status": {"S": "committed"}}
    execution, item = _run_import(resources, endpoint, "b-missing", None)
    assert execution["status"] == "FAILED" and item is None


def test_sender_identity_is_verified(resources: ProvisionedResources, endpoint: str) -> None:
    ses = _client("ses", endpoint)
    attributes = ses.get_identity_verification_attributes(Identities=[resources.sender_email])
    assert attributes["VerificationAttributes"][resources.sender_email]["VerificationStatus"] == "Success"


def test_as_env_gives_the_app_its_settings(resources: ProvisionedResources, endpoint: str,
                                           template: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    env = resources.as_env()
    assert env["TABLE_NAME"] == resources.table_name
    assert env["USER_POOL_ID"] == resources.user_pool_id
    assert env["USER_POOL_CLIENT_ID"] == resources.user_pool_client_id
    assert env["UPLOADS_BUCKET"] == resources.uploads_bucket
    assert env["REPORTS_BUCKET"] == resources.reports_bucket
    assert env["IMPORT_STATE_MACHINE_ARN"] == resources.import_state_machine_arn
    assert env["UNIONCORE_STAGE"] == STAGE and env["AWS_REGION"] == REGION
    assert env["AWS_ENDPOINT_URL"] == endpoint
    assert env["TOKEN_ISSUER"] == f"https://cognito-idp.{REGION}.amazonaws.com/{resources.user_pool_id}"
    # Every variable the template hands the Lambdas is there locally with the same meaning
    # (except the CloudFront site URL, which only exists on AWS).
    template_vars = set(template["Globals"]["Function"]["Environment"]["Variables"])
    assert template_vars - set(resources.function_environment) == {"ALLOWED_ORIGINS"}
    for name, value in resources.function_environment.items():
        assert env[name] == value
    # ... and the app's settings model accepts it.
    from chalicelib.core.settings import Settings

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings.from_env()
    assert settings.table_name == resources.table_name
    assert settings.jwks == env["JWKS_URL"]


# --------------------------------------------------------------------------- (c) idempotency


def test_provision_twice_reuses_everything(resources: ProvisionedResources, endpoint: str) -> None:
    sm = _client("secretsmanager", endpoint)
    key_arn = resources.function_environment["TOKEN_KEY_SECRET_ARN"]
    key_before = sm.get_secret_value(SecretId=key_arn)["SecretString"]
    again = provision(STAGE, endpoint, REGION)
    assert again == resources
    # The generated token key is made once (sealed items stay readable); 64 letters and digits.
    assert sm.get_secret_value(SecretId=key_arn)["SecretString"] == key_before
    assert len(key_before) == 64 and key_before.isalnum()
    names = [x["Name"] for x in sm.list_secrets()["SecretList"] if x["Name"].startswith(f"unioncore-{STAGE}-")]
    assert sorted(names) == [f"unioncore-{STAGE}-TokenKeySecret", f"unioncore-{STAGE}-UserPoolClientSecret"]
    idp = _client("cognito-idp", endpoint)
    pools = [p for p in idp.list_user_pools(MaxResults=60)["UserPools"] if p["Name"] == f"unioncore-{STAGE}"]
    assert len(pools) == 1
    clients = idp.list_user_pool_clients(UserPoolId=resources.user_pool_id, MaxResults=60)["UserPoolClients"]
    assert len(clients) == 1
    assert len(idp.list_groups(UserPoolId=resources.user_pool_id)["Groups"]) == len(GROUPS)
    machines = [m for m in _client("stepfunctions", endpoint).list_state_machines()["stateMachines"]
                if m["name"] == f"unioncore-{STAGE}-import"]
    assert len(machines) == 1
    tables = _client("dynamodb", endpoint).list_tables()["TableNames"]
    assert tables.count(resources.table_name) == 1


def test_provisioner_refuses_what_it_cannot_reproduce(endpoint: str, tmp_path: Path) -> None:
    data = load_template(TEMPLATE)
    data["Resources"]["Table"]["Properties"]["ContributorInsightsSpecification"] = {"Enabled": True}
    data["Resources"] = {"Table": data["Resources"]["Table"]}
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    with pytest.raises(TemplateError, match="ContributorInsightsSpecification"):
        provision("infrabad", endpoint, REGION, template_path=bad)
    data["Resources"] = {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {}}}
    bad.write_text(yaml.safe_dump(data))
    with pytest.raises(TemplateError, match="AWS::SQS::Queue"):
        provision("infrabad", endpoint, REGION, template_path=bad)
    # Only resources chalice generates may appear without a Type (as merge fragments).
    data["Resources"] = {"Queue": {"Properties": {"VisibilityTimeout": 30}}}
    bad.write_text(yaml.safe_dump(data))
    with pytest.raises(TemplateError, match="Queue: no Type"):
        provision("infrabad", endpoint, REGION, template_path=bad)
