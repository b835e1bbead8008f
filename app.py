"""UnionCore API: creates the Chalice app, registers each module's Blueprint, the schedules and the
event handlers (the background job worker, the audit archive's stream consumer).

Routes live in `chalicelib/<module>/routes.py`; a new module adds one line to MODULES.
"""

from __future__ import annotations

from typing import Any

from chalice import Chalice, Cron
from chalice.app import DynamoDBEvent

from chalicelib.audit import archive as audit_archive_consumer
from chalicelib.audit import integrity as audit_integrity
from chalicelib.audit import routes as audit
from chalicelib.core import authorizer, jobs
from chalicelib.core import routes as core
from chalicelib.employers import routes as employers
from chalicelib.employment import routes as employment
from chalicelib.identity import routes as identity
from chalicelib.members import routes as members
from chalicelib.notes import routes as notes
from chalicelib.referral import routes as referral

app = Chalice(app_name="unioncore")
app.api.binary_types = []  # JSON and CSV only

app.register_blueprint(authorizer.blueprint)
MODULES = (core, identity, members, employers, employment, notes, audit, referral)
for module in MODULES:
    app.register_blueprint(module.api.blueprint)

# EventBridge cron is UTC-only: the job runs hourly at :15 and acts in the configured local hour
# (02:15 America/Los_Angeles by default), which keeps the local time right across DST changes.
# Each schedule is a named function here: its name is the deployed Lambda's handler and stays stable.
@app.schedule(Cron(15, "*", "*", "*", "?", "*"), name="audit_seal_nightly",
              description="Seal yesterday's audit entries (UTC day) and verify the chain")
def audit_seal_nightly(event: Any) -> dict[str, Any]:
    return audit_integrity.nightly_job(event)


# Background jobs (core/jobs.py): the API invokes this function asynchronously with {"job_id": …}; its
# name is set in infrastructure/resources.yaml (the API's JOBS_WORKER_FUNCTION). Locally the same worker
# code runs in a thread of the API process.
@app.lambda_function(name="jobs_worker")
def jobs_worker(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return jobs.handle_worker_event(event)


# The audit trail's write-once archive (docs/audit.md "Archive"): every audit entry and seal, copied from
# the table's stream to the Object Lock bucket. The real stream ARN is the table's, wired in by
# infrastructure/resources.yaml (a resource attribute app.py cannot know); locally the runtime polls the
# table's stream and calls this same function (infrastructure/local_runtime/stream_poller.py).
AUDIT_STREAM_ARN_PLACEHOLDER = "arn:aws:dynamodb:us-west-2:000000000000:table/unioncore/stream/see-resources.yaml"


@app.on_dynamodb_record(stream_arn=AUDIT_STREAM_ARN_PLACEHOLDER, name="audit_archive", batch_size=1000,
                        starting_position="TRIM_HORIZON", maximum_batching_window_in_seconds=1)
def audit_archive(event: DynamoDBEvent) -> dict[str, Any]:
    return audit_archive_consumer.handle(event)
