"""Outgoing e-mail through SES. The only module that sends mail.

Locally (moto) SES accepts the message and keeps it inside the moto process; so that the demo and the
tests can read what was sent, the local runtime also sets LOCAL_OUTBOX_DIR and every message is appended
to <dir>/outbox.jsonl. The setting is never set on AWS.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chalicelib.core.settings import get_settings
from chalicelib.core.aws import interactive_client

_outbox_lock = threading.Lock()


def _client() -> Any:
    return interactive_client("ses")


def send(to: str, subject: str, text: str) -> None:
    s = get_settings()
    if s.local_outbox_dir:
        line = json.dumps({"to": to, "subject": subject, "text": text, "sent_at": datetime.now(UTC).isoformat()})
        with _outbox_lock, (Path(s.local_outbox_dir) / "outbox.jsonl").open("a", encoding="utf-8") as f:
            f.write(line + "\n")
    if s.sender_email:
        _client().send_email(Source=s.sender_email, Destination={"ToAddresses": [to]},
                             Message={"Subject": {"Data": subject, "Charset": "UTF-8"},
                                      "Body": {"Text": {"Data": text, "Charset": "UTF-8"}}})


def reset_client() -> None:
    interactive_client.cache_clear()
