"""Response bodies of the referral routes."""

from __future__ import annotations

from chalicelib.core.schemas import ItemsOf
from chalicelib.referral.domain import Book

BookList = ItemsOf[Book]
