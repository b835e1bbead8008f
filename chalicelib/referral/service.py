"""Referral use cases. Today: the book catalogue (the referral engine builds on it)."""

from __future__ import annotations

from chalicelib.core.context import Ctx
from chalicelib.referral import store as repo
from chalicelib.referral.domain import Book


def books(ctx: Ctx) -> list[Book]:
    return repo.catalogue(ctx.store)
