"""Referral use cases, one file per area: the catalogue and qualifications, registrations, labor requests,
the morning round and dispatch, terminations, and the nightly duties."""

from __future__ import annotations

from chalicelib.referral.service.catalogue import books, qualifications, set_qualification

__all__ = ["books", "qualifications", "set_qualification"]
