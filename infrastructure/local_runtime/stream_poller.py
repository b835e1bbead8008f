"""The local twin of Lambda's DynamoDB stream event source.

On AWS, Lambda reads the table's stream and invokes a function registered with `@app.on_dynamodb_record`
(the audit archive's consumer) with batches of records, retrying a failed batch until it succeeds. Locally
there is no Lambda: this poller reads the same table's stream from moto (`dynamodbstreams`) in a
background thread and calls the SAME handler object with the same event shape, with the same semantics:
from the start of the stream (TRIM_HORIZON), in order, a failed batch retried (with backoff) before the
next one. The stream ARN in app.py is a placeholder; the poller uses the table's own stream.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from chalice.app import DynamoDBEventConfig

Handler = Callable[[dict[str, Any], Any], Any]


def _lambda_record(record: dict[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """A record as Lambda hands it over (the SDK parsed the creation time into a datetime)."""
    ddb = dict(record.get("dynamodb") or {})
    created = ddb.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        ddb["ApproximateCreationDateTime"] = created.timestamp()
    elif created is None:
        ddb["ApproximateCreationDateTime"] = time.time()
    return {"eventID": record.get("eventID"), "eventName": record.get("eventName"),
            "eventVersion": record.get("eventVersion", "1.1"), "eventSource": "aws:dynamodb",
            "awsRegion": region, "dynamodb": ddb, "eventSourceARN": stream_arn}


class StreamPoller:
    """Feeds one handler from one table's stream. `poll_once` drains what is there (tests); `start` runs
    it in a daemon thread until `stop`."""

    def __init__(self, handler: Handler, table_name: str, endpoint_url: str | None, region: str,
                 batch_size: int = 100, idle_seconds: float = 0.5, name: str = "stream") -> None:
        import boto3

        self.handler, self.batch_size, self.idle_seconds, self.name = handler, batch_size, idle_seconds, name
        self.region = region
        ddb = boto3.client("dynamodb", endpoint_url=endpoint_url, region_name=region)
        self.streams = boto3.client("dynamodbstreams", endpoint_url=endpoint_url, region_name=region)
        self.stream_arn = str(ddb.describe_table(TableName=table_name)["Table"]["LatestStreamArn"])
        self._iterators: dict[str, str] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.records = 0  # records handed to the handler
        self.failures = 0  # handler calls that raised (their batch was retried)
        self.last_error: str | None = None

    def _shards(self) -> list[str]:
        shards = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"].get("Shards", [])
        return [str(s["ShardId"]) for s in shards]

    def _iterator(self, shard: str) -> str:
        if shard not in self._iterators:
            self._iterators[shard] = str(self.streams.get_shard_iterator(
                StreamArn=self.stream_arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"])
        return self._iterators[shard]

    def poll_once(self) -> int:
        """Hand every available record to the handler, batch by batch; returns how many. (moto keeps every
        shard iterator it hands out, ~1 KB each: polling an idle stream twice a second costs it a few MB
        an hour, which is why the idle pause is not shorter.)"""
        handled = 0
        for shard in self._shards():
            while not self._stop.is_set():
                resp = self.streams.get_records(ShardIterator=self._iterator(shard), Limit=self.batch_size)
                records = resp.get("Records", [])
                if not records:
                    if resp.get("NextShardIterator"):
                        self._iterators[shard] = str(resp["NextShardIterator"])
                    break
                event = {"Records": [_lambda_record(r, self.stream_arn, self.region) for r in records]}
                self._deliver(event)
                handled += len(records)
                self.records += len(records)
                self._iterators[shard] = str(resp["NextShardIterator"])
        return handled

    def _deliver(self, event: dict[str, Any]) -> None:
        """Like Lambda: a batch that fails is retried (backing off to 10 s) until it succeeds."""
        delay = 0.5
        while True:
            try:
                self.handler(event, None)
                return
            except Exception as exc:  # noqa: BLE001 - retried, as Lambda retries a failed batch
                self.failures += 1
                self.last_error = f"{type(exc).__name__}: {exc}"
                if self._stop.wait(delay):
                    raise
                delay = min(delay * 2, 10.0)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if not self.poll_once():
                    self._stop.wait(self.idle_seconds)
            except Exception as exc:  # noqa: BLE001 - the emulator restarting, a stopped runtime: try again
                self.last_error = f"{type(exc).__name__}: {exc}"
                self._stop.wait(1.0)

    def start(self) -> StreamPoller:
        self._thread = threading.Thread(target=self._run, name=f"stream-{self.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)


def start_dynamodb_event_sources(app: Any, handlers: Any, table_name: str, endpoint_url: str | None,
                                 region: str) -> list[StreamPoller]:
    """A poller for every `@app.on_dynamodb_record` handler of the Chalice app, on the local table's stream.
    `handlers` is the module that defines them (app.py): the handler string names the function in it."""
    pollers = []
    for source in app.event_sources:
        if isinstance(source, DynamoDBEventConfig):
            handler = getattr(handlers, source.handler_string.rsplit(".", 1)[-1])
            pollers.append(StreamPoller(handler, table_name, endpoint_url, region, batch_size=source.batch_size,
                                        name=source.name).start())
    return pollers
