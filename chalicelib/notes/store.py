"""How notes are stored (docs/data-model.md): in the member's partition, `NOTE#<id>` (ids are ULIDs, so
the partition holds them in creation order) and their earlier versions `NOTE_VERSION#<note id>#<n>`."""

from __future__ import annotations

from chalicelib.core.store import ItemCodec, Page, Query, Store, absent, register
from chalicelib.members.store import member_pk
from chalicelib.notes.domain import Note, NoteVersion


class NoteCodec(ItemCodec[Note]):
    entity = "note"
    record_type = Note

    def keys(self, note: Note) -> dict[str, str]:
        return {"PK": member_pk(note.member_id), "SK": f"NOTE#{note.id}"}


class NoteVersionCodec(ItemCodec[NoteVersion]):
    entity = "note_version"
    record_type = NoteVersion

    def keys(self, v: NoteVersion) -> dict[str, str]:
        return {"PK": member_pk(v.member_id), "SK": f"NOTE_VERSION#{v.note_id}#{v.note_version:06d}"}


NOTES = register(NoteCodec())
NOTE_VERSIONS = register(NoteVersionCodec())


def get(store: Store, member_id: str, note_id: str) -> Note | None:
    return store.get(NOTES, (member_pk(member_id), f"NOTE#{note_id}"))


def of_member(store: Store, member_id: str) -> list[Note]:
    """Oldest first."""
    return store.query_all(NOTES, Query(member_pk(member_id), begins_with="NOTE#"))


def page_of_member(store: Store, member_id: str, limit: int, cursor: str | None) -> Page[Note]:
    """A member's live (not deleted) notes, newest first."""
    return store.query(NOTES, Query(member_pk(member_id), begins_with="NOTE#", newest_first=True,
                                    where=(absent("deleted_at"),)), limit, cursor)


def versions(store: Store, member_id: str, note_id: str) -> list[NoteVersion]:
    """Oldest first."""
    return store.query_all(NOTE_VERSIONS, Query(member_pk(member_id), begins_with=f"NOTE_VERSION#{note_id}#"))
