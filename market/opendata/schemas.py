"""What the open-data API answers: the OCDS 1.1 release and record packages.

The releases themselves are documents of the OCDS release schema
(https://standard.open-contracting.org/1.1/en/schema/release/), built in market.opendata.ocds and
validated against that schema by the test suite (libcoveocds). Here the package envelope is
declared in full; a release declares the fields every release holds and admits the rest of the
OCDS release schema (tender, parties, awards, contracts, ...) as it is.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import ConfigDict

from market.schemas import ResponseModel

OCDS_NOTE = (
    "Each release is an OCDS 1.1 release (https://standard.open-contracting.org/1.1/en/schema/"
    "release/); this document declares the package and the fields every release holds, the "
    "rest (tender, parties, awards, contracts) follows the OCDS release schema."
)


class Publisher(ResponseModel):
    name: str
    uri: str
    scheme: str | None = None
    uid: str | None = None


class Links(ResponseModel):
    """The OCDS pagination extension's links (also sent as HTTP Link headers)."""

    next: str | None = None
    prev: str | None = None


class Release(ResponseModel):
    """An OCDS release: the fields every release holds; the others as the OCDS schema says."""

    model_config = ConfigDict(extra="allow")

    ocid: str
    id: str
    date: dt.datetime
    tag: list[str]
    initiationType: Literal["tender"]


class CompiledRelease(ResponseModel):
    """The releases of one contracting process merged by the OCDS merge rules."""

    model_config = ConfigDict(extra="allow")

    ocid: str
    id: str
    date: dt.datetime
    tag: list[str]


class Record(ResponseModel):
    ocid: str
    releases: list[Release]
    compiledRelease: CompiledRelease


class _Package(ResponseModel):
    uri: str
    version: Literal["1.1"]
    extensions: list[str]
    publishedDate: dt.datetime
    publisher: Publisher
    license: str
    publicationPolicy: str
    links: Links | None = None


class ReleasePackage(_Package):
    """One page of every release ever published, oldest first."""

    releases: list[Release]


class RecordPackage(_Package):
    """One page of records: every release of each contracting process and its compiled
    release."""

    records: list[Record]
