"""Create the resources of ``infrastructure/resources.yaml`` through boto3 (moto locally).

The CloudFormation merge template is the single definition of the app's resources.
On AWS it is merged into Chalice's SAM template; locally this module reads the SAME
file and creates each resource with the equivalent API calls, translating the CFN
property names to the API shapes. It derives everything from the template:

* resources are created in dependency order (Ref / GetAtt / Sub / DependsOn);
* every CFN property of a supported resource type must be understood here - an
  unknown type or property raises ``TemplateError`` instead of being ignored, so a
  change to the template that the local stack would not reproduce fails loudly;
* the app's environment comes from the template's ``Globals`` (the variables every
  Lambda gets) plus the local extras (endpoint, JWKS URL, token issuer).

Only resources that have no local meaning are skipped (``AWS_ONLY_TYPES``: the
CloudFront distribution in front of the site bucket); bucket-policy statements that
reference them are dropped, and so are conditional Deny statements (TLS-only,
conditional-writes-only): moto evaluates bucket policies without their conditions, so
locally they would deny every request. Entries without a ``Type`` are fragments that
``chalice package`` deep-merges into a resource it generates (``CHALICE_GENERATED``: the
API's gateway responses on ``RestAPI``; a Lambda function's event source, name or
environment); the local runtime reproduces those itself (``local_runtime/gateway.py``, the
stream poller, the job thread).

Secrets are real locally too: ``AWS::SecretsManager::Secret`` becomes a secret in moto's
Secrets Manager (``SecretString`` resolved, e.g. ``!GetAtt UserPoolClient.ClientSecret``;
``GenerateSecretString`` generated once and kept), and the functions find it by the ARN in
their environment, exactly as on AWS. The app client is confidential, so the local runtime
also installs ``local_runtime/cognito_fidelity.py`` (moto checks SECRET_HASH only partly).

Idempotent: resources are found by name and reused (settings that can be re-applied
cheaply - bucket settings, role policies, the state machine definition - are).

Usage::

    from infrastructure.provision import provision
    res = provision(stage="local", endpoint_url="http://127.0.0.1:5000")
    os.environ.update(res.as_env())

or ``python -m infrastructure.provision --endpoint-url http://127.0.0.1:5000``.

Step Functions on moto: moto only *runs* state machines when its
``stepfunctions.execute_state_machine`` option is on; ``provision()`` switches it on
(``POST /moto-api/config``) before creating the state machine. moto's interpreter
calls DynamoDB at ``http://localhost:$MOTO_PORT`` - the ``moto_server`` command sets
``MOTO_PORT`` itself; with an in-process ``ThreadedMotoServer`` set
``os.environ["MOTO_PORT"]`` to the server's port. It signs those calls with access
key ``ak``, i.e. moto's default account 123456789012: use a non-numeric access key
(e.g. ``testing``) for everything else too. Two more moto 5.1.18 quirks: a second
execution of a state machine fails (getmoto/moto#10077; ``provision()`` patches an
in-process moto, see ``fix_inprocess_moto_state_machine_reexecution``), and an
execution started without ``name=`` is named "None", so the next unnamed one fails
with ExecutionAlreadyExists - always pass a name (e.g. the batch id, which also makes
starts idempotent on AWS).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import yaml  # type: ignore[import-untyped]  # types-PyYAML is not installed
from botocore.exceptions import ClientError

INFRA_DIR = Path(__file__).resolve().parent
TEMPLATE_PATH = INFRA_DIR / "resources.yaml"
CHALICE_CONFIG_PATH = INFRA_DIR.parent / ".chalice" / "config.json"

# Types that exist only on AWS; everything referencing them is unavailable locally.
AWS_ONLY_TYPES = frozenset({"AWS::CloudFront::Distribution", "AWS::CloudFront::OriginAccessControl"})
# Resources `chalice package` generates; the template may only add properties to them (no Type).
CHALICE_GENERATED = frozenset({"RestAPI", "APIHandler", "AuditArchive", "JobsWorker"})

# Stack outputs -> ProvisionedResources fields.
OUTPUT_FIELDS = {
    "TableName": "table_name",
    "SiteBucketName": "site_bucket",
    "UploadsBucketName": "uploads_bucket",
    "ReportsBucketName": "reports_bucket",
    "AuditArchiveBucketName": "audit_archive_bucket",
    "UserPoolId": "user_pool_id",
    "UserPoolClientId": "user_pool_client_id",
    "ImportStateMachineArn": "import_state_machine_arn",
    "SenderEmail": "sender_email",
}

DEFAULT_TIME_ZONE = "America/Los_Angeles"


class TemplateError(Exception):
    """The template uses something the local provisioner cannot reproduce."""


class NotLocal(Exception):
    """A value depends on a resource that only exists on AWS."""


# --------------------------------------------------------------------------- template loading


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader that turns CFN short-form tags (!Ref, !Sub, !GetAtt ...) into long form."""


def _construct_intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    key = tag_suffix if tag_suffix in ("Ref", "Condition") else f"Fn::{tag_suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if tag_suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        # With types-PyYAML, construct_mapping wants a MappingNode: the only node kind left here.
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {key: value}


_CfnLoader.add_multi_constructor("!", _construct_intrinsic)


def load_template(path: Path | str = TEMPLATE_PATH) -> dict[str, Any]:
    """The merge template as plain dicts/lists, intrinsics in long form ({"Ref": ...})."""
    with open(path, encoding="utf-8") as fh:
        loaded = yaml.load(fh, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass
    if not isinstance(loaded, dict) or "Resources" not in loaded:
        raise TemplateError(f"{path} is not a CloudFormation template")
    return loaded


def table_key_schema(path: Path | str = TEMPLATE_PATH) -> dict[str, Any]:
    """create_table arguments for the product table's keys and indexes, read from the template, so
    test and benchmark tables have the real table's shape by construction."""
    resources = load_template(path)["Resources"]
    props = next(r["Properties"] for r in resources.values() if r.get("Type") == "AWS::DynamoDB::Table")
    return {
        "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "GlobalSecondaryIndexes": props.get("GlobalSecondaryIndexes", []),
    }


# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class ProvisionedResources:
    stage: str
    region: str
    endpoint_url: str | None
    table_name: str
    site_bucket: str
    uploads_bucket: str
    reports_bucket: str
    user_pool_id: str
    user_pool_client_id: str
    import_state_machine_arn: str
    sender_email: str
    audit_archive_bucket: str = ""
    local_time_zone: str = DEFAULT_TIME_ZONE
    allowed_origins: str = ""
    # The template's Globals.Function.Environment.Variables, resolved (those that can be).
    function_environment: Mapping[str, str] = field(default_factory=dict)

    @property
    def token_issuer(self) -> str:
        # moto issues tokens with the AWS issuer format.
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"

    @property
    def jwks_url(self) -> str:
        if not self.endpoint_url:
            return f"{self.token_issuer}/.well-known/jwks.json"
        # moto signs every token with one key pair, whose public JWKS it ships; its
        # server cannot route the unsigned GET a JWKS client sends (HTTP 500), so hand
        # the document over inline as a data: URL (urllib, hence PyJWT, reads those).
        try:
            from moto.utilities.utils import load_resource
        except ImportError:
            return f"{self.endpoint_url.rstrip('/')}/{self.user_pool_id}/.well-known/jwks.json"
        document = json.dumps(load_resource("moto.cognitoidp.responses", "resources/jwks-public.json"))
        return "data:application/json;base64," + base64.b64encode(document.encode()).decode()

    def as_env(self) -> dict[str, str]:
        """The environment the app reads (chalicelib/core/settings.py), as Lambda would get it plus local extras."""
        env = dict(self.function_environment)
        env.update({
            "UNIONCORE_STAGE": self.stage,
            "TABLE_NAME": self.table_name,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "USER_POOL_ID": self.user_pool_id,
            "USER_POOL_CLIENT_ID": self.user_pool_client_id,
            "UPLOADS_BUCKET": self.uploads_bucket,
            "REPORTS_BUCKET": self.reports_bucket,
            "AUDIT_ARCHIVE_BUCKET": self.audit_archive_bucket,
            "IMPORT_STATE_MACHINE_ARN": self.import_state_machine_arn,
            "SENDER_EMAIL": self.sender_email,
            "LOCAL_TIME_ZONE": self.local_time_zone,
            "ALLOWED_ORIGINS": self.allowed_origins,
        })
        if self.endpoint_url:
            env["AWS_ENDPOINT_URL"] = self.endpoint_url
            env["JWKS_URL"] = self.jwks_url
            env["TOKEN_ISSUER"] = self.token_issuer
        return env


# --------------------------------------------------------------------------- moto switches


def moto_config(endpoint_url: str, update: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
    """Read (and optionally update) a moto server's /moto-api/config; None if it is not moto."""
    url = f"{endpoint_url.rstrip('/')}/moto-api/config"
    if update is not None:
        request = urllib.request.Request(url, data=json.dumps(update).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
    else:
        request = urllib.request.Request(url, method="GET")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"{}")
    except (urllib.error.URLError, ValueError):
        return None


def enable_moto_state_machine_execution(endpoint_url: str) -> bool:
    """Make moto actually run state machines (its ASL interpreter) instead of faking executions."""
    return moto_config(endpoint_url, {"stepfunctions": {"execute_state_machine": True}}) is not None


def fix_inprocess_moto_state_machine_reexecution() -> bool:
    """Work around getmoto/moto#10077 in THIS process (moto 5.1.18 has the bug).

    moto's Step Functions interpreter deep-copies the state machine - including its
    past executions, whose finished worker threads hold an RLock - on every
    StartExecution, so the SECOND execution of any state machine fails with HTTP 500
    ("cannot pickle '_thread.RLock' object"). Making executions copy to themselves
    is what the upstream fix amounts to (the copy is only a snapshot of the
    definition). Only helps a moto server running in this process (ThreadedMotoServer,
    as the local runtime and the tests use); harmless once moto carries the fix.
    """
    try:
        from moto.stepfunctions.parser.backend.execution import Execution
    except ImportError:
        return False
    if "__deepcopy__" not in vars(Execution):
        # Adding a method moto's class lacks (see above); mypy forbids assigning undeclared attributes.
        Execution.__deepcopy__ = lambda self, memo: self  # type: ignore[attr-defined]
    return True


# --------------------------------------------------------------------------- intrinsics

_SUB_VAR = re.compile(r"\$\{([^}]+)\}")


def _sub_names(text: str) -> Iterator[str]:
    for match in _SUB_VAR.finditer(text):
        name = match.group(1)
        if not name.startswith("!"):
            yield name


def _references(value: Any, resources: Mapping[str, Any]) -> set[str]:
    """Logical ids of the resources a (property) value refers to."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= _references(item, resources)
    elif isinstance(value, dict):
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref" and isinstance(arg, str):
                return {arg} & resources.keys()
            if key == "Fn::GetAtt":
                target = arg[0] if isinstance(arg, list) else str(arg).split(".", 1)[0]
                return {target} & resources.keys()
            if key == "Fn::Sub":
                text, local_vars = (arg[0], arg[1]) if isinstance(arg, list) else (arg, {})
                names = {n.split(".", 1)[0] for n in _sub_names(text) if n not in local_vars}
                return (names & resources.keys()) | _references(local_vars, resources)
        for item in value.values():
            found |= _references(item, resources)
    return found


def _only(logical_id: str, props: Mapping[str, Any], known: set[str]) -> None:
    unknown = set(props) - known
    if unknown:
        raise TemplateError(
            f"{logical_id}: properties {sorted(unknown)} are not reproduced locally - teach "
            "infrastructure/provision.py to apply them (or drop them from the template)")


def _true(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _tags(tags: list[dict[str, str]] | None) -> list[dict[str, str]]:
    return [{"Key": t["Key"], "Value": t["Value"]} for t in tags or []]


class _Provisioner:
    def __init__(self, template: dict[str, Any], stage: str, region: str, endpoint_url: str | None,
                 parameters: Mapping[str, str] | None) -> None:
        self.template = template
        self.resources: dict[str, Any] = template["Resources"]
        self.stage = stage
        self.region = region
        self.endpoint_url = endpoint_url
        key = secret = None
        if endpoint_url and boto3.Session().get_credentials() is None:
            key = secret = "testing"  # noqa: S105 - any credentials do for an emulator
        self.session: Any = boto3.Session(region_name=region, aws_access_key_id=key, aws_secret_access_key=secret)
        self._clients: dict[str, Any] = {}
        self.account_id = self.client("sts").get_caller_identity()["Account"]
        self.params: dict[str, str] = {
            name: str(spec["Default"]) for name, spec in template.get("Parameters", {}).items() if "Default" in spec
        }
        self.params["Stage"] = stage
        self.params.update(parameters or {})
        missing = [name for name in template.get("Parameters", {}) if name not in self.params]
        if missing:
            raise TemplateError(f"no value for template parameters {missing}")
        self.pseudo = {
            "AWS::Region": region,
            "AWS::AccountId": self.account_id,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": f"unioncore-{stage}",
        }
        self.refs: dict[str, str] = {}
        self.attrs: dict[str, dict[str, str]] = {}
        self.aws_only: set[str] = set()
        self.fragments: set[str] = set()

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.session.client(service, endpoint_url=self.endpoint_url)
        return self._clients[service]

    # ----------------------------------------------------------------- resolution
    def _ref(self, name: str) -> str:
        if name in self.params:
            return self.params[name]
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.aws_only:
            raise NotLocal(name)
        if name in self.refs:
            return self.refs[name]
        raise TemplateError(f"unresolvable Ref {name!r}")

    def _getatt(self, name: str, attribute: str) -> str:
        if name in self.aws_only:
            raise NotLocal(name)
        try:
            return self.attrs[name][attribute]
        except KeyError:
            raise TemplateError(f"unresolvable GetAtt {name}.{attribute}") from None

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                return self._ref(arg)
            if key == "Fn::GetAtt":
                name, attribute = arg if isinstance(arg, list) else str(arg).split(".", 1)
                return self._getatt(name, attribute)
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::Join":
                delimiter, items = arg
                return str(delimiter).join(str(self.resolve(i)) for i in self.resolve(items))
            if key == "Fn::Select":
                index, items = arg
                return self.resolve(items)[int(self.resolve(index))]
            if key == "Fn::Split":
                delimiter, text = arg
                return str(self.resolve(text)).split(delimiter)
            if key.startswith("Fn::") or key == "Condition":
                raise TemplateError(f"intrinsic {key} is not supported by the local provisioner")
        return {k: self.resolve(v) for k, v in value.items()}

    def _sub(self, arg: Any) -> str:
        text, local_vars = (arg[0], arg[1]) if isinstance(arg, list) else (arg, {})
        values = {k: str(self.resolve(v)) for k, v in local_vars.items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in values:
                return values[name]
            if "." in name and name.split(".", 1)[0] in self.resources:
                resource, attribute = name.split(".", 1)
                return self._getatt(resource, attribute)
            return self._ref(name)

        return _SUB_VAR.sub(replace, str(text))

    # ----------------------------------------------------------------- ordering
    def ordered(self) -> list[str]:
        deps: dict[str, set[str]] = {}
        for logical_id, spec in self.resources.items():
            depends_on = spec.get("DependsOn", [])
            depends = set([depends_on] if isinstance(depends_on, str) else depends_on)
            deps[logical_id] = depends | _references(spec.get("Properties", {}), self.resources)
        order: list[str] = []
        done: set[str] = set()
        while len(order) < len(deps):
            ready = sorted(lid for lid, d in deps.items() if lid not in done and d <= done)
            if not ready:
                cycle = sorted(set(deps) - done)
                raise TemplateError(f"dependency cycle between {cycle}")
            order.extend(ready)
            done.update(ready)
        return order

    # ----------------------------------------------------------------- driver
    def run(self) -> None:
        handlers = {
            "AWS::DynamoDB::Table": self._table,
            "AWS::S3::Bucket": self._bucket,
            "AWS::S3::BucketPolicy": self._bucket_policy,
            "AWS::Cognito::UserPool": self._user_pool,
            "AWS::Cognito::UserPoolClient": self._user_pool_client,
            "AWS::Cognito::UserPoolGroup": self._user_pool_group,
            "AWS::IAM::Role": self._role,
            "AWS::StepFunctions::StateMachine": self._state_machine,
            "AWS::SES::EmailIdentity": self._email_identity,
            "AWS::SecretsManager::Secret": self._secret,
        }
        for logical_id in self.ordered():
            spec = self.resources[logical_id]
            rtype = spec.get("Type")
            if rtype is None:
                # A fragment merged into a resource `chalice package` generates from app.py (the API's
                # gateway responses, a Lambda function's event source, name or environment): nothing
                # is created locally - the local runtime reproduces it or calls the same handlers.
                if logical_id not in CHALICE_GENERATED:
                    raise TemplateError(f"{logical_id}: no Type - only resources chalice generates "
                                        f"({sorted(CHALICE_GENERATED)}) may be merge fragments")
                _only(logical_id, spec, {"Properties"})
                self.fragments.add(logical_id)
                self.aws_only.add(logical_id)
                continue
            if rtype in AWS_ONLY_TYPES:
                self.aws_only.add(logical_id)
                continue
            if rtype not in handlers:
                raise TemplateError(f"{logical_id}: resource type {rtype} is not provisioned locally - "
                                    "teach infrastructure/provision.py to create it")
            if "Condition" in spec:
                raise TemplateError(f"{logical_id}: conditional resources are not supported locally")
            handlers[rtype](logical_id, spec.get("Properties", {}))

    def outputs(self) -> dict[str, str]:
        resolved: dict[str, str] = {}
        for name, spec in self.template.get("Outputs", {}).items():
            try:
                resolved[name] = str(self.resolve(spec["Value"]))
            except NotLocal:
                continue
        return resolved

    def function_environment(self) -> dict[str, str]:
        variables = (self.template.get("Globals", {}).get("Function", {})
                     .get("Environment", {}).get("Variables", {}))
        resolved: dict[str, str] = {}
        for name, value in variables.items():
            try:
                resolved[name] = str(self.resolve(value))
            except NotLocal:
                continue
        return resolved

    # ----------------------------------------------------------------- DynamoDB
    def _table(self, logical_id: str, raw: Mapping[str, Any]) -> None:
        props = self.resolve(raw)
        _only(logical_id, props, {
            "TableName", "BillingMode", "AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes",
            "PointInTimeRecoverySpecification", "DeletionProtectionEnabled", "StreamSpecification",
            "TimeToLiveSpecification", "SSESpecification", "Tags"})
        name = props["TableName"]
        ddb = self.client("dynamodb")
        try:
            table = ddb.describe_table(TableName=name)["Table"]
        except ddb.exceptions.ResourceNotFoundException:
            kwargs: dict[str, Any] = {
                "TableName": name,
                "AttributeDefinitions": props["AttributeDefinitions"],
                "KeySchema": props["KeySchema"],
                "BillingMode": props.get("BillingMode", "PROVISIONED"),
            }
            indexes = []
            for index in props.get("GlobalSecondaryIndexes", []):
                _only(f"{logical_id}.GlobalSecondaryIndexes", index, {"IndexName", "KeySchema", "Projection"})
                indexes.append(index)
            if indexes:
                kwargs["GlobalSecondaryIndexes"] = indexes
            if "StreamSpecification" in props:
                kwargs["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
            if "SSESpecification" in props:
                sse = props["SSESpecification"]
                _only(f"{logical_id}.SSESpecification", sse, {"SSEEnabled", "SSEType", "KMSMasterKeyId"})
                kwargs["SSESpecification"] = {"Enabled": sse["SSEEnabled"],
                                              **{k: v for k, v in sse.items() if k != "SSEEnabled"}}
            if "DeletionProtectionEnabled" in props:
                kwargs["DeletionProtectionEnabled"] = props["DeletionProtectionEnabled"]
            if props.get("Tags"):
                kwargs["Tags"] = _tags(props["Tags"])
            ddb.create_table(**kwargs)
            ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
            table = ddb.describe_table(TableName=name)["Table"]
        if "TimeToLiveSpecification" in props:
            ttl = ddb.describe_time_to_live(TableName=name).get("TimeToLiveDescription", {})
            wanted = props["TimeToLiveSpecification"]
            if (ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING")) != bool(wanted["Enabled"]):
                ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=wanted)
        if "PointInTimeRecoverySpecification" in props:
            ddb.update_continuous_backups(TableName=name,
                                          PointInTimeRecoverySpecification=props["PointInTimeRecoverySpecification"])
        self.refs[logical_id] = name
        self.attrs[logical_id] = {"Arn": table["TableArn"], "StreamArn": table.get("LatestStreamArn", "")}

    # ----------------------------------------------------------------- S3
    def _bucket(self, logical_id: str, raw: Mapping[str, Any]) -> None:
        props = self.resolve(raw)
        _only(logical_id, props, {
            "BucketName", "PublicAccessBlockConfiguration", "OwnershipControls", "VersioningConfiguration",
            "BucketEncryption", "LifecycleConfiguration", "Tags", "ObjectLockEnabled", "ObjectLockConfiguration"})
        # On AWS the account id keeps bucket names globally unique; moto is one account.
        name = str(props["BucketName"]).removesuffix(f"-{self.account_id}")
        s3 = self.client("s3")
        try:
            s3.head_bucket(Bucket=name)
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket", "NotFound"):
                raise
            create: dict[str, Any] = {"Bucket": name}
            if self.region != "us-east-1":
                create["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
            if _true(props.get("ObjectLockEnabled")):
                create["ObjectLockEnabledForBucket"] = True  # only at creation (it turns versioning on)
            s3.create_bucket(**create)
        if "PublicAccessBlockConfiguration" in props:
            s3.put_public_access_block(Bucket=name,
                                       PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"])
        if "OwnershipControls" in props:
            s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=props["OwnershipControls"])
        if "VersioningConfiguration" in props:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration=props["VersioningConfiguration"])
        if "BucketEncryption" in props:
            rules = []
            for rule in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]:
                _only(f"{logical_id}.BucketEncryption", rule, {"ServerSideEncryptionByDefault", "BucketKeyEnabled"})
                api_rule = {"ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"]}
                if "BucketKeyEnabled" in rule:
                    api_rule["BucketKeyEnabled"] = rule["BucketKeyEnabled"]
                rules.append(api_rule)
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
        if "ObjectLockConfiguration" in props:
            wanted = self._object_lock(logical_id, props)
            try:
                current = s3.get_object_lock_configuration(Bucket=name)["ObjectLockConfiguration"]
            except ClientError:
                current = {}
            retention = ((current.get("Rule") or {}).get("DefaultRetention") or {})
            current = {**current, "Rule": {"DefaultRetention": {k: v for k, v in retention.items() if v}}}
            if current != wanted:  # re-applying is refused by moto once the bucket holds objects
                s3.put_object_lock_configuration(Bucket=name, ObjectLockConfiguration=wanted)
        if "LifecycleConfiguration" in props:
            rules = [self._lifecycle_rule(logical_id, r) for r in props["LifecycleConfiguration"]["Rules"]]
            s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": rules})
        if props.get("Tags"):
            s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": _tags(props["Tags"])})
        self.refs[logical_id] = name
        self.attrs[logical_id] = {
            "Arn": f"arn:aws:s3:::{name}",
            "DomainName": f"{name}.s3.amazonaws.com",
            "RegionalDomainName": f"{name}.s3.{self.region}.amazonaws.com",
        }

    @staticmethod
    def _object_lock(logical_id: str, props: Mapping[str, Any]) -> dict[str, Any]:
        if not _true(props.get("ObjectLockEnabled")):
            raise TemplateError(f"{logical_id}: ObjectLockConfiguration needs ObjectLockEnabled: true")
        config = props["ObjectLockConfiguration"]
        _only(f"{logical_id}.ObjectLockConfiguration", config, {"ObjectLockEnabled", "Rule"})
        out: dict[str, Any] = {"ObjectLockEnabled": config.get("ObjectLockEnabled", "Enabled")}
        if "Rule" in config:
            retention = config["Rule"]["DefaultRetention"]
            _only(f"{logical_id}.ObjectLockConfiguration.Rule.DefaultRetention", retention, {"Mode", "Days", "Years"})
            # Template parameters resolve to text; the API wants numbers.
            out["Rule"] = {"DefaultRetention": {k: (int(v) if k in ("Days", "Years") else v)
                                                for k, v in retention.items()}}
        return out

    @staticmethod
    def _lifecycle_rule(logical_id: str, rule: Mapping[str, Any]) -> dict[str, Any]:
        _only(f"{logical_id}.LifecycleConfiguration.Rules", rule, {
            "Id", "Status", "Prefix", "ExpirationInDays", "NoncurrentVersionExpiration",
            "AbortIncompleteMultipartUpload"})
        out: dict[str, Any] = {"ID": rule["Id"], "Status": rule["Status"], "Filter": {"Prefix": rule.get("Prefix", "")}}
        if "ExpirationInDays" in rule:
            out["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
        if "NoncurrentVersionExpiration" in rule:
            out["NoncurrentVersionExpiration"] = {"NoncurrentDays": int(rule["NoncurrentVersionExpiration"]
                                                                        ["NoncurrentDays"])}
        if "AbortIncompleteMultipartUpload" in rule:
            out["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": int(rule["AbortIncompleteMultipartUpload"]
                                                                                ["DaysAfterInitiation"])}
        return out

    def _bucket_policy(self, logical_id: str, raw: Mapping[str, Any]) -> None:
        _only(logical_id, raw, {"Bucket", "PolicyDocument"})
        bucket = self.resolve(raw["Bucket"])
        document = {k: self.resolve(v) for k, v in raw["PolicyDocument"].items() if k != "Statement"}
        statements = []
        for statement in raw["PolicyDocument"]["Statement"]:
            if statement.get("Effect") == "Deny" and "Condition" in statement:
                # moto evaluates bucket policies WITHOUT their conditions: a conditional deny (TLS only,
                # conditional writes only) would deny every request. Those conditions have no local
                # meaning anyway (plain HTTP on 127.0.0.1); unconditional denies are applied and enforced.
                continue
            try:
                statements.append(self.resolve(statement))
            except NotLocal:
                continue  # e.g. the CloudFront read grant: no CloudFront locally
        document["Statement"] = statements
        self.client("s3").put_bucket_policy(Bucket=bucket, Policy=json.dumps(document))

    # ----------------------------------------------------------------- Cognito
    def _user_pool(self, logical_id: str, raw: Mapping[str, Any]) -> None:
        props = self.resolve(raw)
        passthrough = {"Policies", "UsernameAttributes", "UsernameConfiguration", "AutoVerifiedAttributes",
                       "AdminCreateUserConfig", "AccountRecoverySetting", "Schema", "DeletionProtection",
                       "UserPoolTags"}
        _only(logical_id, props, passthrough | {"UserPoolName", "MfaConfiguration", "EnabledMfas"})
        name = props["UserPoolName"]
        idp = self.client("cognito-idp")
        pool_id = self._find_user_pool(name)
        if pool_id is None:
            kwargs = {k: v for k, v in props.items() if k in passthrough}
            pool_id = idp.create_user_pool(PoolName=name, MfaConfiguration="OFF", **kwargs)["UserPool"]["Id"]
        if "MfaConfiguration" in props:
            # CFN's EnabledMfas has no API twin: TOTP is switched on with the MFA config.
            enabled = props.get("EnabledMfas", [])
            unsupported = set(enabled) - {"SOFTWARE_TOKEN_MFA"}
            if unsupported:
                raise TemplateError(f"{logical_id}: EnabledMfas {sorted(unsupported)} are not reproduced locally")
            idp.set_user_pool_mfa_config(
                UserPoolId=pool_id, MfaConfiguration=props["MfaConfiguration"],
                SoftwareTokenMfaConfiguration={"Enabled": "SOFTWARE_TOKEN_MFA" in enabled})
        pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
        self.refs[logical_id] = pool_id
        provider = f"cognito-idp.{self.region}.amazonaws.com/{pool_id}"
        self.attrs[logical_id] = {"Arn": pool["Arn"], "ProviderName": provider, "ProviderURL": f"https://{provider}",
                                  "UserPoolId": pool_id}

    def _find_user_pool(self, name: str) -> str | None:
        paginator = self.client("cognito-idp").get_paginator("list_user_pools")
        for page in paginator.paginate(MaxResults=60):
            for pool in page.get("UserPools", []):
                if pool["Name"] == name:
                    return str(pool["Id"])
        return None

    def _user_pool_client(self, logical_id: str, raw: Mapping[str, Any]) -> None:
        props = self.resolve(raw)
        # These CFN property names are the API's.
        _only(logical_id, props, {
            "UserPoolId", "ClientName", "GenerateSecret", "ExplicitAuthFlows", "AccessTokenValidity",
            "IdTokenValidity", "RefreshTokenValidity", "TokenValidityUnits", "EnableTokenRevocation",
            "PreventUserExistenceErrors", "ReadAttributes", "WriteAttributes", "AuthSessionValidity"})
        idp = self.client("cognito-idp")
        client_id = None
        paginator = idp.get_paginator("list_user_pool_clients")
        for page in paginator.paginate(UserPoolId=props["UserPoolId"], MaxResults=60):
            for existing in page.get("UserPoolClients", []):
                if existing["ClientName"] == props["ClientName"]:
                    client_id = existing["ClientId"]
        client: dict[str, Any] | None = None
        if client_id is not None:
            client = idp.describe_user_pool_client(UserPoolId=props["UserPoolId"], ClientId=client_id)["UserPoolClient"]
            if bool(props.get("GenerateSecret")) != ("ClientSecret" in client):
                # A client cannot gain or lose its secret (on AWS CloudFormation replaces it): same here.
                idp.delete_user_pool_client(UserPoolId=props["UserPoolId"], ClientId=client_id)
                client = None
        if client is None:
            client = idp.create_user_pool_client(**props)["UserPoolClient"]
        self.refs[logical_id] = client["ClientId"]
        self.attrs[logical_id] = {"ClientId": client["ClientId"], "Name": client.get("ClientName", "")}
        if "ClientSecret" in client:
            self.attrs[logical_id]["ClientSecret"] = client["ClientSecret"]

    def _user_pool_group(self, logical_id: str, raw: Mapping[str, Any]) -> None:
        props = self.resolve(raw)
        _only(logical_id, props, {"UserPoolId", "GroupName", "Description", "Precedence"})
        idp = self.client("cognito-idp")
        try:
            idp.get_group(UserPoolId=props["UserPoolId"], GroupName=props["GroupName"])
        except idp.exceptions.ResourceNotFoundException:
            idp.create_group(**props)
        self.refs[logical_id] = props["GroupName"]

    # ----------------------------------------------------------------- IAM
    def _role(self, logical_id: str, raw: Mapping[str, Any]) -> None:
        props = self.resolve(raw)
        _only(logical_id, props, {"AssumeRolePolicyDocument", "Policies", "Description", "Tags"})
        iam = self.client("iam")
        name = f"unioncore-{self.stage}-{logical_id}"[:64]
        try:
            role = iam.get_role(RoleName=name)["Role"]
        except iam.exceptions.NoSuchEntityException:
            kwargs: dict[str, Any] = {"RoleName": name,
                                      "AssumeRolePolicyDocument": json.dumps(props["AssumeRolePolicyDocument"])}
            if "Description" in props:
                kwargs["Description"] = props["Description"]
            if props.get("Tags"):
                kwargs["Tags"] = _tags(props["Tags"])
            role = iam.create_role(**kwargs)["Role"]
        for policy in props.get("Policies", []):
            iam.put_role_policy(RoleName=name, PolicyName=policy["PolicyName"],
                                PolicyDocument=json.dumps(policy["PolicyDocument"]))
        self.refs[logical_id] = name
        self.attrs[logical_id] = {"Arn": role["Arn"], "RoleId": role["RoleId"]}

    # ----------------------------------------------------------------- Step Functions
    def _state_machine(self, logical_id: str, raw: Mapping[str, Any]) -> None:
        props = self.resolve(raw)
        _only(logical_id, props, {"StateMachineName", "StateMachineType", "RoleArn", "Definition",
                                  "DefinitionString", "DefinitionSubstitutions", "Tags"})
        if "Definition" in props:
            definition = json.dumps(props["Definition"], indent=2)
        else:
            definition = str(props["DefinitionString"])
        # Same rules as CFN's DefinitionSubstitutions: ${key} -> value.
        for key, value in props.get("DefinitionSubstitutions", {}).items():
            definition = definition.replace("${" + key + "}", str(value))
        leftover = list(_sub_names(definition))
        if leftover:
            raise TemplateError(f"{logical_id}: no substitution for {leftover}")
        name = props["StateMachineName"]
        sfn = self.client("stepfunctions")
        arn = None
        for page in sfn.get_paginator("list_state_machines").paginate():
            for machine in page.get("stateMachines", []):
                if machine["name"] == name:
                    arn = machine["stateMachineArn"]
        if arn is None:
            kwargs: dict[str, Any] = {"name": name, "definition": definition, "roleArn": props["RoleArn"],
                                      "type": props.get("StateMachineType", "STANDARD")}
            if props.get("Tags"):
                kwargs["tags"] = [{"key": t["Key"], "value": t["Value"]} for t in props["Tags"]]
            arn = sfn.create_state_machine(**kwargs)["stateMachineArn"]
        else:
            sfn.update_state_machine(stateMachineArn=arn, definition=definition, roleArn=props["RoleArn"])
        self.refs[logical_id] = arn
        self.attrs[logical_id] = {"Arn": arn, "Name": name}

    # ----------------------------------------------------------------- Secrets Manager
    def _secret(self, logical_id: str, raw: Mapping[str, Any]) -> None:
        """A secret with a given value (SecretString, e.g. a client secret) or a generated one
        (GenerateSecretString: made once, kept on re-provisioning, as CloudFormation does)."""
        props = self.resolve(raw)
        _only(logical_id, props, {"Name", "Description", "SecretString", "GenerateSecretString", "Tags"})
        if ("SecretString" in props) == ("GenerateSecretString" in props):
            raise TemplateError(f"{logical_id}: exactly one of SecretString and GenerateSecretString")
        # CloudFormation names an unnamed secret after the stack and the logical id.
        name = str(props.get("Name") or f"unioncore-{self.stage}-{logical_id}")
        sm = self.client("secretsmanager")
        try:
            arn = sm.describe_secret(SecretId=name)["ARN"]
            existing = True
        except sm.exceptions.ResourceNotFoundException:
            arn, existing = None, False
        if "SecretString" in props:
            value = str(props["SecretString"])
        elif existing:
            value = None  # generated once: re-provisioning keeps it
        else:
            value = self._generated_secret(logical_id, props["GenerateSecretString"])
        if not existing:
            kwargs: dict[str, Any] = {"Name": name, "SecretString": value}
            if "Description" in props:
                kwargs["Description"] = props["Description"]
            if props.get("Tags"):
                kwargs["Tags"] = _tags(props["Tags"])
            arn = sm.create_secret(**kwargs)["ARN"]
        elif value is not None and sm.get_secret_value(SecretId=name)["SecretString"] != value:
            sm.put_secret_value(SecretId=name, SecretString=value)
        self.refs[logical_id] = str(arn)
        self.attrs[logical_id] = {"Id": str(arn)}

    def _generated_secret(self, logical_id: str, spec: Mapping[str, Any]) -> str:
        _only(f"{logical_id}.GenerateSecretString", spec, {"PasswordLength", "ExcludePunctuation"})
        response = self.client("secretsmanager").get_random_password(
            PasswordLength=int(spec.get("PasswordLength", 32)),
            ExcludePunctuation=bool(spec.get("ExcludePunctuation", False)))
        return str(response["RandomPassword"])

    # ----------------------------------------------------------------- SES
    def _email_identity(self, logical_id: str, raw: Mapping[str, Any]) -> None:
        props = self.resolve(raw)
        _only(logical_id, props, {"EmailIdentity"})
        identity = str(props["EmailIdentity"])
        ses = self.client("ses")
        if "@" in identity:
            ses.verify_email_identity(EmailAddress=identity)
        else:
            ses.verify_domain_identity(Domain=identity)
        self.refs[logical_id] = identity


def _local_time_zone(stage: str) -> str:
    try:
        config = json.loads(CHALICE_CONFIG_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return DEFAULT_TIME_ZONE
    stages = config.get("stages", {})
    for candidate in (stages.get(stage, {}), stages.get("dev", {}), config):
        zone = candidate.get("environment_variables", {}).get("LOCAL_TIME_ZONE")
        if zone:
            return str(zone)
    return DEFAULT_TIME_ZONE


def provision(stage: str = "local", endpoint_url: str | None = None, region: str = "us-west-2", *,
              parameters: Mapping[str, str] | None = None, allowed_origins: str = "",
              template_path: Path | str = TEMPLATE_PATH, allow_real_aws: bool = False) -> ProvisionedResources:
    """Create (or find) every resource of resources.yaml for ``stage`` at ``endpoint_url``.

    ``endpoint_url`` defaults to $AWS_ENDPOINT_URL. Without any endpoint this would
    create the resources in a real AWS account outside CloudFormation, so it refuses
    unless ``allow_real_aws`` (deploy with CloudFormation instead: docs/deploy.md).
    ``parameters`` overrides template parameters other than Stage (e.g. SenderEmail).
    ``allowed_origins`` is the local ALLOWED_ORIGINS (on AWS: the CloudFront site URL).
    """
    endpoint_url = endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None
    if endpoint_url is None and not allow_real_aws:
        raise ValueError("provision() targets an emulator: pass endpoint_url (or set AWS_ENDPOINT_URL); "
                         "real AWS stages are deployed with CloudFormation (docs/deploy.md)")
    template = load_template(template_path)
    if endpoint_url:
        # Must happen before the state machine is created: moto keeps executable
        # machines in a separate backend.
        enable_moto_state_machine_execution(endpoint_url)
        fix_inprocess_moto_state_machine_reexecution()
    provisioner = _Provisioner(template, stage, region, endpoint_url, parameters)
    provisioner.run()
    outputs = provisioner.outputs()
    missing = [name for name in OUTPUT_FIELDS if name not in outputs]
    if missing:
        raise TemplateError(f"template outputs {missing} are missing or not resolvable locally")
    return ProvisionedResources(
        stage=stage,
        region=region,
        endpoint_url=endpoint_url,
        local_time_zone=_local_time_zone(stage),
        allowed_origins=allowed_origins,
        function_environment=provisioner.function_environment(),
        **{fname: outputs[oname] for oname, fname in OUTPUT_FIELDS.items()},
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Provision infrastructure/resources.yaml against an endpoint.")
    parser.add_argument("--stage", default="local")
    parser.add_argument("--endpoint-url", default=None, help="e.g. http://127.0.0.1:5000 (moto_server)")
    parser.add_argument("--region", default="us-west-2")
    parser.add_argument("--allowed-origins", default="")
    parser.add_argument("--format", choices=["json", "shell"], default="shell")
    args = parser.parse_args(argv)
    env = provision(args.stage, args.endpoint_url, args.region, allowed_origins=args.allowed_origins).as_env()
    if args.format == "json":
        print(json.dumps(env, indent=2, sort_keys=True))
    else:
        for key, value in sorted(env.items()):
            print(f"export {key}='{value}'")


if __name__ == "__main__":
    main()
