"""Response bodies of the employment routes (request bodies are the domain's create/end/correct models)."""

from __future__ import annotations

from chalicelib.core.schemas import PageOf
from chalicelib.employment.domain import EmploymentRecord

EmploymentPage = PageOf[EmploymentRecord]
