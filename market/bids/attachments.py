"""Bid attachments: PDFs checked by content, stored under random names, counted against
a vendor's storage allowance and the per-bid limit.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from market import clock
from market.accounts.models import User
from market.bids.models import Bid, BidAttachment
from market.errors import ValidationFailed
from market.i18n import gettext as _

MAX_ATTACHMENTS = 10


@dataclass(frozen=True)
class Upload:
    file_name: str
    data: bytes


def safe_file_name(name: str) -> str:
    """A display name without paths or odd characters, ending in .pdf."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = unicodedata.normalize("NFC", base)
    base = re.sub(r"[^\w .()-]", "_", base).strip(" ._") or "bilag"
    stem = base[:-4] if base.lower().endswith(".pdf") else base
    return f"{stem[:100]}.pdf"


def check_upload(upload: Upload, max_bytes: int) -> str | None:
    """What is wrong with an upload (None: it is a PDF we take). Judged by content."""
    if len(upload.data) > max_bytes:
        return _("%(name)s is larger than %(mb)s MB.") % {
            "name": safe_file_name(upload.file_name),
            "mb": f"{max_bytes / 1_000_000:g}",
        }
    if not upload.data.startswith(b"%PDF-") or b"%%EOF" not in upload.data:
        return _("%(name)s is not a PDF file.") % {"name": safe_file_name(upload.file_name)}
    return None


def _store(uploads: Sequence[Upload], folder: Path) -> list[tuple[Upload, str, str]]:
    folder.mkdir(parents=True, exist_ok=True)
    stored = []
    for upload in uploads:
        name = secrets.token_hex(16)
        (folder / name).write_bytes(upload.data)
        stored.append((upload, name, hashlib.sha256(upload.data).hexdigest()))
    return stored


def discard(stored: Iterable[tuple[Upload, str, str]], folder: Path | None) -> None:
    if folder is None:
        return
    for _upload, name, _sha in stored:
        (folder / name).unlink(missing_ok=True)


def attachment_folder(upload_dir: Path) -> Path:
    return upload_dir / "bids"


async def _check_storage(bid: Bid, storage_bytes: int | None) -> None:
    """A vendor's live attachments (on every bid) may use `storage_bytes` in all."""
    if not storage_bytes:
        return
    sizes = await BidAttachment.filter(
        bid__vendor_id=bid.vendor_id, removed_at__isnull=True, purged_at__isnull=True
    ).values_list("size", flat=True)
    used = sum(int(size) for size in sizes)  # type: ignore[call-overload]
    if used > storage_bytes:
        message = _(
            "Your company's attachments would take %(used)s MB of the %(limit)s MB it may "
            "store. Remove attachments from your bids, or send smaller files."
        ) % {"used": f"{used / 1_000_000:.1f}", "limit": f"{storage_bytes / 1_000_000:g}"}
        raise ValidationFailed(message, {"attachments": message})


async def attach(
    bid: Bid,
    stored: list[tuple[Upload, str, str]],
    remove_ids: Iterable[int],
    actor: User,
    storage_bytes: int | None = None,
) -> list[dict[str, Any]]:
    removing = [int(i) for i in remove_ids]
    if removing:
        await BidAttachment.filter(bid_id=bid.id, id__in=removing, removed_at__isnull=True).update(
            removed_at=clock.now()
        )
    for upload, name, sha in stored:
        await BidAttachment.create(
            bid=bid,
            file_name=safe_file_name(upload.file_name),
            stored_name=name,
            size=len(upload.data),
            sha256=sha,
            uploaded_by_id=actor.id,
        )
    if stored:
        await _check_storage(bid, storage_bytes)
    active = await BidAttachment.filter(bid_id=bid.id, removed_at__isnull=True).order_by("id")
    if len(active) > MAX_ATTACHMENTS:
        raise ValidationFailed(
            _("At most %(n)d attachments per bid.") % {"n": MAX_ATTACHMENTS},
            {"attachments": _("At most %(n)d attachments per bid.") % {"n": MAX_ATTACHMENTS}},
        )
    return [{"id": a.id, "name": a.file_name, "sha256": a.sha256, "size": a.size} for a in active]


def prepare(
    uploads: Sequence[Upload], upload_dir: Path | None, max_bytes: int
) -> tuple[list[tuple[Upload, str, str]], Path | None]:
    """Check the uploads by content and store them (under random names) before the write."""
    problems = [p for p in (check_upload(u, max_bytes) for u in uploads) if p]
    if problems:
        raise ValidationFailed(
            _("The attachment was not accepted."), {"attachments": " ".join(problems)}
        )
    folder = attachment_folder(upload_dir) if upload_dir else None
    return (_store(uploads, folder) if folder and uploads else []), folder
