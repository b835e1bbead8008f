"""Persistence of the local runtime's moto state (DynamoDB, S3, Cognito).

The runtime runs ``ThreadedMotoServer`` in this process, so we read and write
moto's backend objects directly: no HTTP, no paging, 100k items restore in a
couple of seconds.

What is saved (one JSON file, written atomically):
* DynamoDB: every item of every table, in DynamoDB-JSON exactly as moto holds
  it (numbers stay strings, so 45880.41 stays 45880.41; sets/maps/binary
  survive).  Tables themselves are NOT saved: the provisioner re-creates them
  from infrastructure/resources.yaml before restore.
* S3: every object (latest version) of every bucket: key, body, content type,
  metadata, last-modified, Object Lock retention.  Buckets are pre-created by the provisioner too.
* Cognito: users of every user pool - username, sub, attributes, status,
  enabled, password, MFA flags, group memberships (and the group definitions,
  created if the fresh pool lacks them).  Pools are matched by NAME because
  moto generates a new pool id on every start.

Restore is an upsert into what the provisioner created: snapshot items/objects/
users replace ones with the same key; anything else already there is kept.
Things that are not restorable (a table/bucket/pool that no longer exists, an
item whose key no longer matches the table schema) are skipped with a warning.

Not saved: tokens/sessions (users log in again), S3 object versions other
than the latest, object ACLs/tags, DynamoDB stream records.
"""

from __future__ import annotations

import base64
import contextlib
import gc
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool, UserStatus, cognitoidp_backends
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.table import Table
from moto.s3.models import FakeKey, s3_backends
from moto.utilities.utils import get_partition

from infrastructure.local_runtime import fast_dynamodb

__all__ = ["SNAPSHOT_FILE", "save_snapshot", "restore_snapshot", "start_periodic_snapshots"]

log = logging.getLogger(__name__)

SNAPSHOT_FILE = "moto-snapshot.json"
FORMAT = "unioncore-moto-snapshot"
VERSION = 1
DEFAULT_REGION = "us-west-2"

# Two savers (periodic thread + shutdown) must not interleave their renames.
_SAVE_LOCK = threading.Lock()


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    # Building/parsing millions of small long-lived objects triggers the cyclic
    # GC over and over (each pass walks everything allocated so far): pausing
    # it makes save/restore of 100k items ~3x faster.  Cyclic garbage made in
    # the window is simply collected after it.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# --------------------------------------------------------------------------
# DynamoDB <-> DynamoDB-JSON
# --------------------------------------------------------------------------
def _b64(value: Any) -> Any:
    # Values that arrived over HTTP are already base64 text (moto keeps the
    # wire form); only in-process writes hold raw bytes.
    return base64.b64encode(value).decode("ascii") if isinstance(value, bytes | bytearray) else value


def _dynamo_to_json(value: DynamoType) -> dict[str, Any]:
    type_, raw = value.type, value.value
    if type_ == "M":
        return {"M": {k: _dynamo_to_json(v if isinstance(v, DynamoType) else DynamoType(v)) for k, v in raw.items()}}
    if type_ == "L":
        return {"L": [_dynamo_to_json(v if isinstance(v, DynamoType) else DynamoType(v)) for v in raw]}
    if type_ == "B":
        return {"B": _b64(raw)}
    if type_ == "BS":
        return {"BS": [_b64(v) for v in raw]}
    if type_ in ("SS", "NS"):
        return {type_: list(raw)}  # a copy: the JSON is written after the lock is released
    return {type_: raw}


def _json_to_dynamo(wire: dict[str, Any]) -> DynamoType:
    # Equivalent to DynamoType(wire) but without its per-call overhead, which
    # matters at ~1M attribute values per restore.
    ((type_, raw),) = wire.items()
    value = object.__new__(DynamoType)
    value.type = type_
    if type_ == "M":
        raw = {k: _json_to_dynamo(v) for k, v in raw.items()}
    elif type_ == "L":
        raw = [_json_to_dynamo(v) for v in raw]
    value.value = raw
    return value


def _new_item(hash_key: DynamoType, range_key: DynamoType | None, attrs: dict[str, Any]) -> Item:
    # Item.__init__ assigns attributes one by one through LimitedSizeDict,
    # re-sizing the whole item each time (quadratic), and BaseModel.__new__
    # registers the item in a global list.  The dict constructor of
    # LimitedSizeDict bypasses the former, object.__new__ the latter.
    item = object.__new__(Item)
    item.hash_key = hash_key
    item.range_key = range_key
    item.attrs = LimitedSizeDict({name: _json_to_dynamo(v) for name, v in attrs.items()})
    return item


def _capture_dynamodb(account_id: str, region: str) -> dict[str, Any]:
    backend = dynamodb_backends[account_id][region]
    tables: dict[str, Any] = {}
    with fast_dynamodb.lock():  # a consistent cut: no request runs meanwhile
        for name, table in list(backend.tables.items()):
            tables[name] = {
                "hash_key": table.hash_key_attr,
                "range_key": table.range_key_attr,
                "items": [
                    {attr: _dynamo_to_json(value) for attr, value in item.attrs.items()}
                    for item in fast_dynamodb.iter_table_items(table)
                ],
            }
    return tables


def _restore_dynamodb(tables: dict[str, Any], account_id: str, region: str) -> dict[str, int]:
    backend = dynamodb_backends[account_id][region]
    restored = skipped = 0
    with fast_dynamodb.lock():
        for name, saved in tables.items():
            table: Table | None = backend.tables.get(name)
            if table is None:
                log.warning("snapshot: table %s no longer exists; %d items skipped", name, len(saved["items"]))
                skipped += len(saved["items"])
                continue
            hash_attr, range_attr = table.hash_key_attr, table.range_key_attr
            bad = 0
            for attrs in saved["items"]:
                hash_json = attrs.get(hash_attr)
                range_json = attrs.get(range_attr) if range_attr else None
                if (
                    hash_json is None
                    or next(iter(hash_json)) != table.hash_key_type
                    or (range_attr and (range_json is None or next(iter(range_json)) != table.range_key_type))
                ):
                    bad += 1
                    continue
                hash_key = _json_to_dynamo(hash_json)
                range_key = _json_to_dynamo(range_json) if range_json is not None else None
                item = _new_item(hash_key, range_key, attrs)
                if range_key is None:
                    # A table without range key maps hash -> Item; moto annotates items as hash -> dict only.
                    cast("dict[DynamoType, Item]", table.items)[hash_key] = item
                else:
                    table.items[hash_key][range_key] = item
                restored += 1
            if bad:
                log.warning("snapshot: %d items of %s do not match its key schema; skipped", bad, name)
                skipped += bad
            # items were written behind moto's back: re-derive the GSI indexes
            fast_dynamodb.rebuild_indexes(table)
    return {"items": restored, "skipped_items": skipped}


# --------------------------------------------------------------------------
# S3
# --------------------------------------------------------------------------
def _s3_backend(account_id: str, region: str) -> Any:
    return s3_backends[account_id][get_partition(region)]


def _capture_s3(account_id: str, region: str) -> dict[str, list[dict[str, Any]]]:
    buckets: dict[str, list[dict[str, Any]]] = {}
    for bucket in list(_s3_backend(account_id, region).buckets.values()):
        objects = []
        for key_name, key in bucket.keys.items():  # latest version of each key
            if not isinstance(key, FakeKey):
                continue  # delete marker
            try:
                body = key.value
            except ValueError:
                # Overwritten meanwhile: moto closed the old version's buffer.
                key = bucket.keys.get(key_name)
                if not isinstance(key, FakeKey):
                    continue
                body = key.value
            metadata = dict(key.metadata)
            objects.append(
                {
                    "key": key_name,
                    "body_b64": base64.b64encode(body).decode("ascii"),
                    "content_type": metadata.get("content-type"),
                    "metadata": metadata,
                    "storage_class": key.storage_class,
                    "last_modified": key.last_modified.isoformat(),
                    # Object Lock (the audit archive): the retention survives a restart.
                    "lock_mode": key.lock_mode,
                    "lock_until": key.lock_until,
                }
            )
        buckets[bucket.name] = objects
    return buckets


def _restore_s3(buckets: dict[str, list[dict[str, Any]]], account_id: str, region: str) -> int:
    backend = _s3_backend(account_id, region)
    restored = 0
    for name, objects in buckets.items():
        if name not in backend.buckets:
            log.warning("snapshot: bucket %s no longer exists; %d objects skipped", name, len(objects))
            continue
        for obj in objects:
            key = backend.put_object(
                name,
                obj["key"],
                base64.b64decode(obj["body_b64"]),
                storage=obj.get("storage_class"),
                disable_notification=True,
            )
            metadata = dict(obj.get("metadata") or {})
            if obj.get("content_type"):
                metadata["content-type"] = obj["content_type"]
            key.set_metadata(metadata)
            if obj.get("last_modified"):
                key.last_modified = datetime.fromisoformat(obj["last_modified"])
            if obj.get("lock_mode"):
                key.lock_mode, key.lock_until = obj["lock_mode"], obj.get("lock_until")
            restored += 1
    return restored


# --------------------------------------------------------------------------
# Cognito
# --------------------------------------------------------------------------
def _capture_cognito(account_id: str, region: str) -> list[dict[str, Any]]:
    pools = []
    for pool in list(cognitoidp_backends[account_id][region].user_pools.values()):
        pools.append(
            {
                "name": pool.name,
                "groups": [
                    {
                        "name": group.group_name,
                        "description": group.description,
                        "role_arn": group.role_arn,
                        "precedence": group.precedence,
                    }
                    for group in list(pool.groups.values())
                ],
                "users": [_user_to_json(user) for user in list(pool.users.values())],
            }
        )
    return pools


def _user_to_json(user: CognitoIdpUser) -> dict[str, Any]:
    status = user.status.value if isinstance(user.status, UserStatus) else str(user.status)
    return {
        "username": user.username,
        "sub": user.id,
        "attributes": [dict(a) for a in user.attributes],
        "status": status,
        "enabled": user.enabled,
        "password": user.password,
        "groups": sorted(group.group_name for group in user.groups),
        "create_date": user.create_date.isoformat(),
        "last_modified_date": user.last_modified_date.isoformat(),
        "sms_mfa_enabled": user.sms_mfa_enabled,
        "software_token_mfa_enabled": user.software_token_mfa_enabled,
        "preferred_mfa_setting": user.preferred_mfa_setting,
    }


def _restore_cognito(pools: list[dict[str, Any]], account_id: str, region: str) -> int:
    backend = cognitoidp_backends[account_id][region]
    restored = 0
    for saved in pools:
        matches = [p for p in backend.user_pools.values() if p.name == saved["name"]]
        if not matches:
            log.warning("snapshot: user pool %s no longer exists; %d users skipped", saved["name"], len(saved["users"]))
            continue
        if len(matches) > 1:
            log.warning("snapshot: %d user pools are named %s; restoring into the first", len(matches), saved["name"])
        pool: CognitoIdpUserPool = matches[0]
        for group in saved["groups"]:
            if group["name"] not in pool.groups:
                backend.create_group(
                    pool.id, group["name"], group["description"], group["role_arn"], group["precedence"]
                )
        for user_json in saved["users"]:
            _restore_user(pool, user_json)
            restored += 1
    return restored


def _restore_user(pool: CognitoIdpUserPool, saved: dict[str, Any]) -> None:
    try:
        status: Any = UserStatus(saved["status"])
    except ValueError:
        status = saved["status"]
    # moto compares statuses by identity (user.status is UserStatus.CONFIRMED),
    # hence the enum member above rather than the plain string.
    user = CognitoIdpUser(pool.id, saved["username"], saved["password"], status, [])
    user.id = saved["sub"]  # the app keys its own records by sub
    user.update_attributes(saved["attributes"])
    user.enabled = saved["enabled"]
    user.sms_mfa_enabled = saved.get("sms_mfa_enabled", False)
    user.software_token_mfa_enabled = saved.get("software_token_mfa_enabled", False)
    user.preferred_mfa_setting = saved.get("preferred_mfa_setting")
    user.create_date = datetime.fromisoformat(saved["create_date"])
    user.last_modified_date = datetime.fromisoformat(saved["last_modified_date"])

    previous = pool.users.get(user.username)
    if previous is not None:  # e.g. a demo user the provisioner re-created
        for group in list(previous.groups):
            group.users.discard(previous)
    for group_name in saved["groups"]:
        saved_group = pool.groups.get(group_name)
        if saved_group is not None:
            saved_group.users.add(user)
            user.groups.add(saved_group)
    pool.users[user.username] = user


# --------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------
def save_snapshot(data_dir: Path, account_id: str = DEFAULT_ACCOUNT_ID, region: str = DEFAULT_REGION) -> dict[str, Any]:
    """Write the current moto state to ``data_dir/moto-snapshot.json`` atomically."""
    with _SAVE_LOCK:
        return _write_snapshot(data_dir, account_id, region)


def save_snapshot_in_background(data_dir: Path, account_id: str = DEFAULT_ACCOUNT_ID,
                                region: str = DEFAULT_REGION) -> bool:
    """Copy-on-write snapshot (as Redis' BGSAVE): fork while holding the DynamoDB lock — a consistent
    cut that costs only the fork — and let the child serialize and write while the parent keeps
    serving. Capturing ~50k items in-process held every request for a second or more.

    Returns False where fork is unavailable; the caller then saves in-process.
    """
    if not hasattr(os, "fork"):
        return False
    with _SAVE_LOCK:
        with fast_dynamodb.lock():
            pid = os.fork()
            if pid == 0:  # child: the only thread; it already holds the (re-entrant) DynamoDB lock
                code = 1
                try:
                    # Serializing ~50k items takes seconds of CPU; on a 2-core machine at full
                    # priority it took a core from the server every 30 s under load.
                    os.nice(19)
                    _write_snapshot(data_dir, account_id, region)
                    code = 0
                finally:
                    os._exit(code)
        _, status = os.waitpid(pid, 0)  # the parent waits here, outside the DynamoDB lock
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError("background snapshot failed")
    return True


def _write_snapshot(data_dir: Path, account_id: str, region: str) -> dict[str, Any]:
    started = time.perf_counter()
    data_dir = Path(data_dir)
    with _gc_paused():
        saved_at = datetime.now().astimezone().isoformat()
        dynamodb = _capture_dynamodb(account_id, region)
        s3 = _capture_s3(account_id, region)
        cognito = _capture_cognito(account_id, region)
        state = {
            "format": FORMAT,
            "version": VERSION,
            "saved_at": saved_at,
            "account_id": account_id,
            "region": region,
            "dynamodb": dynamodb,
            "s3": s3,
            "cognito": cognito,
        }
        payload = json.dumps(state, separators=(",", ":")).encode("utf-8")
        data_dir.mkdir(parents=True, exist_ok=True)
        target = data_dir / SNAPSHOT_FILE
        # Same directory so os.replace is an atomic rename on one filesystem:
        # a crash leaves either the old snapshot or the new one, never half.
        fd, tmp_name = tempfile.mkstemp(prefix=f".{SNAPSHOT_FILE}.", suffix=".tmp", dir=data_dir)
        try:
            with os.fdopen(fd, "wb") as tmp:
                tmp.write(payload)
                tmp.flush()
                os.fsync(tmp.fileno())
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
    stats = {
        "path": str(target),
        "bytes": len(payload),
        "tables": len(dynamodb),
        "items": sum(len(t["items"]) for t in dynamodb.values()),
        "buckets": len(s3),
        "objects": sum(len(objects) for objects in s3.values()),
        "user_pools": len(cognito),
        "users": sum(len(p["users"]) for p in cognito),
        "seconds": round(time.perf_counter() - started, 3),
    }
    log.info("snapshot saved: %s", stats)
    return stats


def restore_snapshot(data_dir: Path, account_id: str = DEFAULT_ACCOUNT_ID, region: str = DEFAULT_REGION) -> bool:
    """Load ``data_dir/moto-snapshot.json`` into the (already provisioned) backends.

    Returns False when there is no snapshot.  A snapshot that cannot be read
    raises: silently starting empty would let the next save destroy the data.
    Ends with ``gc.freeze()`` (see below): meant to be called once at start-up.
    """
    path = Path(data_dir) / SNAPSHOT_FILE
    if not path.exists():
        return False
    started = time.perf_counter()
    with _gc_paused():
        try:
            state = json.loads(path.read_bytes())
        except ValueError as e:
            raise RuntimeError(f"cannot read {path} ({e}); move it away to start from fresh data") from e
        if state.get("format") != FORMAT or state.get("version") != VERSION:
            raise RuntimeError(f"{path} is not a version {VERSION} {FORMAT} file")
        dynamodb = _restore_dynamodb(state.get("dynamodb", {}), account_id, region)
        objects = _restore_s3(state.get("s3", {}), account_id, region)
        users = _restore_cognito(state.get("cognito", []), account_id, region)
        del state
    # The restored data lives as long as the process.  Moving everything that
    # exists now to the GC's permanent generation keeps every later full
    # collection (and interpreter exit) from walking ~1.5M DynamoType objects;
    # the only cost is that cyclic garbage existing right now is never freed.
    gc.freeze()
    log.info(
        "snapshot restored from %s in %.2fs: %d items (%d skipped), %d objects, %d users",
        path,
        time.perf_counter() - started,
        dynamodb["items"],
        dynamodb["skipped_items"],
        objects,
        users,
    )
    return True


def _fingerprint(account_id: str, region: str) -> Hashable | None:
    """Cheap summary that changes whenever a snapshot would differ (None: unknown)."""
    if not fast_dynamodb.is_installed():
        return None  # no write counter: we cannot tell, so always save
    s3 = tuple(
        (bucket.name, key_name, id(key), getattr(key, "last_modified", None))
        for bucket in list(_s3_backend(account_id, region).buckets.values())
        for key_name, key in bucket.keys.items()
    )
    cognito = tuple(
        (
            pool.name,
            tuple(sorted(pool.groups)),
            tuple(
                (
                    user.username,
                    user.last_modified_date,
                    str(user.status),
                    user.enabled,
                    user.password,
                    tuple(sorted(g.group_name for g in user.groups)),
                )
                for user in list(pool.users.values())
            ),
        )
        for pool in list(cognitoidp_backends[account_id][region].user_pools.values())
    )
    return (fast_dynamodb.write_generation(), s3, cognito)


def start_periodic_snapshots(
    data_dir: Path,
    interval_s: float = 30,
    account_id: str = DEFAULT_ACCOUNT_ID,
    region: str = DEFAULT_REGION,
    quiet_s: float | None = None,
    max_deferral_s: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Callable[[], None]:
    """Save at most every ``interval_s`` seconds when something changed; returns ``stop()``.

    A save waits for a quiet moment (no change for ``quiet_s``, default 2 s): forking a process of
    ~1 GB and the copy-on-write that follows cost requests in flight a few hundred milliseconds, so
    under steady load the save is deferred - but never beyond ``max_deferral_s`` (default 10 x the
    interval), which bounds what a crash could lose. ``stop()`` only stops the thread (waiting for a
    save in progress); the caller takes its own final snapshot at shutdown.
    """
    quiet = min(2.0, interval_s) if quiet_s is None else quiet_s
    longest = 10 * interval_s if max_deferral_s is None else max_deferral_s
    stop_event = threading.Event()
    first = _fingerprint(account_id, region)
    state: dict[str, Any] = {"saved": first, "seen": first, "changed_at": clock(), "saved_at": clock()}

    def tick() -> None:
        now = clock()
        # Fingerprint BEFORE capturing: a change racing with the save is then
        # either in this snapshot or triggers the next one.
        current = _fingerprint(account_id, region)
        if current is not None and current == state["saved"]:
            state["seen"] = current
            return
        if current is None or current != state["seen"]:
            state["seen"], state["changed_at"] = current, now
        since_save = now - state["saved_at"]
        settled = current is None or now - state["changed_at"] >= quiet
        if since_save < interval_s or not (settled or since_save >= longest):
            return
        if not save_snapshot_in_background(data_dir, account_id, region):
            save_snapshot(data_dir, account_id, region)
        state["saved"], state["saved_at"] = current, now

    def run() -> None:
        while not stop_event.wait(min(interval_s, quiet, 1.0) / 2):
            try:
                tick()
            except Exception:  # noqa: BLE001 - keep snapshotting after a failed attempt
                log.exception("periodic snapshot failed")

    thread = threading.Thread(target=run, name="moto-snapshots", daemon=True)
    thread.start()

    def stop() -> None:
        stop_event.set()
        if thread is not threading.current_thread():
            thread.join(timeout=300)

    return stop
