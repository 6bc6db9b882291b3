"""Full-text search over vendors: name, profile texts (Danish and English) and references.

PostgreSQL keeps a `tsvector` per vendor (Danish configuration) in `vendor_search` with a GIN
index; SQLite keeps an FTS5 table `vendor_fts` (rowid = vendor id). Database triggers keep
both current in the same transaction as every write of a vendor's name, profile texts or
references, whoever writes them (migration 0012 installs them, `install` below).

A search is words: each word must occur (AND), as a prefix of a word of the document after
Danish stemming, so "udvikling" finds "udviklinger" and "udviklingsopgaver", and "pyth"
finds "Python". Danish stop words ("og", "i", ...) are left out, as PostgreSQL does; a search
of stop words only matches every vendor. Both databases answer the same way: the query words
are stemmed here (Snowball's Danish algorithm, the one PostgreSQL uses) and matched as
prefixes, against PostgreSQL's stemmed lexemes or FTS5's plain words (a Snowball stem is a
prefix of its word).
"""

from __future__ import annotations

import re
from typing import Any

from tortoise import connections
from tortoise.expressions import Q, RawSQL
from tortoise.queryset import QuerySet

from market import listcache

# PostgreSQL's tsearch_data/danish.stop (the Snowball list).
STOP_WORDS = frozenset(
    [
        "og",
        "i",
        "jeg",
        "det",
        "at",
        "en",
        "den",
        "til",
        "er",
        "som",
        "på",
        "de",
        "med",
        "han",
        "af",
        "for",
        "ikke",
        "der",
        "var",
        "mig",
        "sig",
        "men",
        "et",
        "har",
        "om",
        "vi",
        "min",
        "havde",
        "ham",
        "hun",
        "nu",
        "over",
        "da",
        "fra",
        "du",
        "ud",
        "sin",
        "dem",
        "os",
        "op",
        "man",
        "hans",
        "hvor",
        "eller",
        "hvad",
        "skal",
        "selv",
        "her",
        "alle",
        "vil",
        "blev",
        "kunne",
        "ind",
        "når",
        "være",
        "dog",
        "noget",
        "ville",
        "jo",
        "deres",
        "efter",
        "ned",
        "skulle",
        "denne",
        "end",
        "dette",
        "mit",
        "også",
        "under",
        "have",
        "dig",
        "anden",
        "hende",
        "mine",
        "alt",
        "meget",
        "sit",
        "sine",
        "vor",
        "mod",
        "disse",
        "hvis",
        "din",
        "nogle",
        "hos",
        "blive",
        "mange",
        "ad",
        "bliver",
        "hendes",
        "været",
        "thi",
        "jer",
        "sådan",
    ]
)
MAX_WORDS = 6
_WORD = re.compile(r"[^\W_]+")

_VOWELS = "aeiouyæåø"
_S_ENDING = "abcdfghjklmnoprtvyzå"
_MAIN_SUFFIXES = sorted(
    [
        "hed",
        "ethed",
        "ered",
        "e",
        "erede",
        "ende",
        "erende",
        "ene",
        "erne",
        "ere",
        "en",
        "heden",
        "eren",
        "er",
        "heder",
        "erer",
        "heds",
        "es",
        "endes",
        "erendes",
        "enes",
        "ernes",
        "eres",
        "ens",
        "hedens",
        "erens",
        "ers",
        "ets",
        "erets",
        "et",
        "eret",
        "s",
    ],
    key=len,
    reverse=True,
)
_OTHER_SUFFIXES = ("erlig", "elig", "løst", "lig", "els", "ig")


def _r1(word: str) -> int:
    """Start of the region after the first non-vowel that follows a vowel (at least 3)."""
    for i in range(1, len(word)):
        if word[i] not in _VOWELS and word[i - 1] in _VOWELS:
            return max(3, i + 1)
    return len(word)


def _consonant_pair(word: str, r1: int) -> str:
    if len(word) - 2 >= r1 and word[-2:] in ("gd", "dt", "gt", "kt"):
        return word[:-1]
    return word


def stem(word: str) -> str:
    """Snowball's Danish stemmer (lower-case input): the same stems as PostgreSQL's
    `danish_stem` dictionary."""
    r1 = _r1(word)
    for suffix in _MAIN_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= r1:
            if suffix != "s":
                word = word[: -len(suffix)]
            elif len(word) >= 2 and word[-2] in _S_ENDING:
                word = word[:-1]
            break
    word = _consonant_pair(word, r1)
    if word.endswith("igst"):
        word = word[:-2]
    for suffix in _OTHER_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= r1:
            word = word[:-1] if suffix == "løst" else _consonant_pair(word[: -len(suffix)], r1)
            break
    if len(word) - 1 >= r1 and len(word) >= 2 and word[-1] not in _VOWELS and word[-1] == word[-2]:
        word = word[:-1]
    return word


def terms(q: str) -> list[str]:
    """The stemmed words of a search, stop words left out (at most MAX_WORDS)."""
    found = []
    for word in _WORD.findall(q.lower()):
        if word not in STOP_WORDS and (term := stem(word)) and term not in found:
            found.append(term)
    return found[:MAX_WORDS]


def _postgres() -> bool:
    return bool(connections.get("default").capabilities.dialect == "postgres")


def matching_sql(q: str) -> str | None:
    """A subquery of the ids of vendors matching the search (None: no words to search).

    The terms are letters and digits only (see `_WORD`), so they are written into the SQL."""
    words = terms(q)
    if not words:
        return None
    if _postgres():
        query = " & ".join(f"{w}:*" for w in words)
        return (
            f"SELECT vendor_id FROM vendor_search WHERE document @@ to_tsquery('simple', '{query}')"
        )
    query = " AND ".join(f'"{w}"*' for w in words)
    return f"SELECT rowid FROM vendor_fts WHERE vendor_fts MATCH '{query}'"


def matching(q: str) -> Q | None:
    """The vendors matching the search, as a condition on Vendor (None: no words)."""
    sql = matching_sql(q)
    return None if sql is None else Q(id__in=RawSQL(f"({sql})"))


# --- the counts of searches, kept per process ---------------------------------------------


async def count(query: QuerySet[Any]) -> int:
    """The number of vendors a searched list query finds: exact, and kept (`listcache.kept`).

    A search for a word in most profiles matches most vendors: counting them reads the whole
    search table (100,000 vendors on PostgreSQL: 170 MB, 250-450 ms), while the page of them
    takes a millisecond (walked in name order). The count does not depend on who asks, so
    each process counts a search once per version of the lists, whoever asked first; the
    page itself is built afresh for every request."""
    return await listcache.kept("vendors", query.count().sql(params_inline=True), query.count)


# --- the schema: tables, index and triggers ------------------------------------------------

_PG_DOCUMENT = """
    SELECT to_tsvector('danish', v.name || ' ' || v.profile_text_da || ' ' || v.profile_text_en
        || ' ' || coalesce((SELECT string_agg(r.title || ' ' || r.description || ' '
        || r.customer, ' ') FROM vendor_reference r WHERE r.vendor_id = v.id), ''))
    FROM vendor v WHERE v.id = vid
"""

POSTGRES = [
    """CREATE TABLE IF NOT EXISTS vendor_search (
        vendor_id INT PRIMARY KEY REFERENCES vendor (id) ON DELETE CASCADE,
        document TSVECTOR NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS vendor_search_document ON vendor_search USING GIN (document)",
    f"""CREATE OR REPLACE FUNCTION vendor_search_refresh(vid INT) RETURNS VOID
        LANGUAGE sql AS $$
        INSERT INTO vendor_search (vendor_id, document)
        SELECT vid, doc FROM ({_PG_DOCUMENT}) AS found (doc)
        ON CONFLICT (vendor_id) DO UPDATE SET document = EXCLUDED.document
    $$""",
    """CREATE OR REPLACE FUNCTION vendor_search_trigger() RETURNS TRIGGER
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_TABLE_NAME = 'vendor' THEN
                PERFORM vendor_search_refresh(NEW.id);
                RETURN NULL;
            END IF;
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                PERFORM vendor_search_refresh(OLD.vendor_id);
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                PERFORM vendor_search_refresh(NEW.vendor_id);
            END IF;
            RETURN NULL;
        END
    $$""",
    "DROP TRIGGER IF EXISTS vendor_search_insert ON vendor",
    """CREATE TRIGGER vendor_search_insert AFTER INSERT ON vendor
        FOR EACH ROW EXECUTE FUNCTION vendor_search_trigger()""",
    "DROP TRIGGER IF EXISTS vendor_search_update ON vendor",
    """CREATE TRIGGER vendor_search_update AFTER UPDATE OF name, profile_text_da, profile_text_en
        ON vendor FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name
            OR OLD.profile_text_da IS DISTINCT FROM NEW.profile_text_da
            OR OLD.profile_text_en IS DISTINCT FROM NEW.profile_text_en)
        EXECUTE FUNCTION vendor_search_trigger()""",
    "DROP TRIGGER IF EXISTS vendor_search_reference ON vendor_reference",
    """CREATE TRIGGER vendor_search_reference AFTER INSERT OR UPDATE OR DELETE
        ON vendor_reference FOR EACH ROW EXECUTE FUNCTION vendor_search_trigger()""",
    "SELECT vendor_search_refresh(id) FROM vendor",
]

_SQLITE_DOCUMENT = """
    SELECT v.id, v.name || ' ' || v.profile_text_da || ' ' || v.profile_text_en || ' '
        || coalesce((SELECT group_concat(r.title || ' ' || r.description || ' ' || r.customer,
        ' ') FROM vendor_reference r WHERE r.vendor_id = v.id), '')
    FROM vendor v
"""


def _sqlite_refresh(vid: str) -> str:
    return (
        f"DELETE FROM vendor_fts WHERE rowid = {vid}; "
        f"INSERT INTO vendor_fts (rowid, body) {_SQLITE_DOCUMENT} WHERE v.id = {vid};"
    )


SQLITE = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS vendor_fts
        USING fts5 (body, tokenize = 'unicode61 remove_diacritics 0')""",
    f"""CREATE TRIGGER IF NOT EXISTS vendor_fts_insert AFTER INSERT ON vendor BEGIN
        {_sqlite_refresh("NEW.id")} END""",
    f"""CREATE TRIGGER IF NOT EXISTS vendor_fts_update
        AFTER UPDATE OF name, profile_text_da, profile_text_en ON vendor BEGIN
        {_sqlite_refresh("NEW.id")} END""",
    """CREATE TRIGGER IF NOT EXISTS vendor_fts_delete AFTER DELETE ON vendor BEGIN
        DELETE FROM vendor_fts WHERE rowid = OLD.id; END""",
    f"""CREATE TRIGGER IF NOT EXISTS vendor_fts_reference_insert AFTER INSERT
        ON vendor_reference BEGIN {_sqlite_refresh("NEW.vendor_id")} END""",
    f"""CREATE TRIGGER IF NOT EXISTS vendor_fts_reference_update AFTER UPDATE
        ON vendor_reference BEGIN {_sqlite_refresh("OLD.vendor_id")}
        {_sqlite_refresh("NEW.vendor_id")} END""",
    f"""CREATE TRIGGER IF NOT EXISTS vendor_fts_reference_delete AFTER DELETE
        ON vendor_reference BEGIN {_sqlite_refresh("OLD.vendor_id")} END""",
    "DELETE FROM vendor_fts",
    f"INSERT INTO vendor_fts (rowid, body) {_SQLITE_DOCUMENT}",
]


async def install(client: Any = None) -> None:
    """Create the search tables, index and triggers and fill them (idempotent)."""
    client = client or connections.get("default")
    statements = POSTGRES if client.capabilities.dialect == "postgres" else SQLITE
    for statement in statements:
        await client.execute_script(statement)
