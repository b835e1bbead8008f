"""How employment history is stored (docs/data-model.md): in the member's partition under
`EMPLOYMENT#<id>`, indexed by employer (GSI1), with the one-current-job marker per member."""

from __future__ import annotations

from chalicelib.core.store import ItemCodec, Page, Query, Store, register
from chalicelib.employment.domain import EmploymentRecord, EmploymentTimeline
from chalicelib.members.store import member_pk

PREFIX = "EMPLOYMENT#"


def current_job_key(member_id: str) -> str:
    """At most one current employment record per member (§4.2, invariant)."""
    return f"CURRENTJOB#{member_id}"


def employer_partition(employer_id: str) -> str:
    return f"EMPLOYER#{employer_id}"


def jobs_partition(member_id: str) -> str:
    """A member's jobs by start date (the history a person reads: newest first, a page at a time)."""
    return f"JOBS#{member_id}"


class EmploymentCodec(ItemCodec[EmploymentRecord]):
    entity = "employment"
    record_type = EmploymentRecord

    def keys(self, job: EmploymentRecord) -> dict[str, str]:
        by_start = f"{PREFIX}{job.start_date}#{job.id}"
        return {"PK": member_pk(job.member_id), "SK": f"{PREFIX}{job.id}",
                "GSI1PK": employer_partition(job.employer_id), "GSI1SK": by_start,
                "GSI2PK": jobs_partition(job.member_id), "GSI2SK": by_start}


class TimelineCodec(ItemCodec[EmploymentTimeline]):
    entity = "employment_timeline"
    record_type = EmploymentTimeline

    def keys(self, t: EmploymentTimeline) -> dict[str, str]:
        return {"PK": member_pk(t.member_id), "SK": "EMPLOYMENT_TIMELINE"}


EMPLOYMENT = register(EmploymentCodec())
TIMELINES = register(TimelineCodec())


def timeline_key(member_id: str) -> tuple[str, str]:
    return member_pk(member_id), "EMPLOYMENT_TIMELINE"


def timeline(store: Store, member_id: str) -> EmploymentTimeline | None:
    return store.get(TIMELINES, (member_pk(member_id), "EMPLOYMENT_TIMELINE"), consistent=True)


def of_member(store: Store, member_id: str) -> list[EmploymentRecord]:
    """A member's jobs, oldest start first."""
    jobs = store.query_all(EMPLOYMENT, Query(member_pk(member_id), begins_with=PREFIX))
    return sorted(jobs, key=lambda j: (j.start_date, j.id))


def history_page(store: Store, member_id: str, limit: int, cursor: str | None) -> Page[EmploymentRecord]:
    """A member's jobs, newest start first."""
    return store.query(EMPLOYMENT, Query(jobs_partition(member_id), index="GSI2", newest_first=True), limit, cursor)


def get(store: Store, member_id: str, employment_id: str) -> EmploymentRecord | None:
    return store.get(EMPLOYMENT, (member_pk(member_id), f"{PREFIX}{employment_id}"))


def by_employer(store: Store, employer_id: str, limit: int, cursor: str | None) -> Page[EmploymentRecord]:
    """Jobs at one employer in start-date order."""
    return store.query(EMPLOYMENT, Query(employer_partition(employer_id), index="GSI1"), limit, cursor)
