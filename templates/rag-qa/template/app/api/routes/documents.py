"""Upload, list and delete documents."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, UploadFile, status
from pydantic import BaseModel

from app.api.deps import UNAUTHORIZED, ServiceDep, SettingsDep, TokenDep
from app.rag.ingest import DocumentConflict
from app.rag.loaders import UnsupportedDocument

router = APIRouter(prefix="/documents", tags=["documents"])

_READ_BLOCK = 1024 * 1024


class DocumentOut(BaseModel):
    id: str
    filename: str
    title: str
    content_type: str
    sha256: str
    size_bytes: int
    chunk_count: int
    created_at: str


class UploadOut(BaseModel):
    document: DocumentOut
    status: str


def _read_limited(file: UploadFile, limit: int) -> bytes:
    """Read at most `limit` bytes; one byte more means the upload is too large."""
    data = bytearray()
    while block := file.file.read(_READ_BLOCK):
        data += block
        if len(data) > limit:
            raise HTTPException(
                status.HTTP_413_CONTENT_TOO_LARGE, f"file larger than {limit} bytes"
            )
    return bytes(data)


def _check_name(name: str) -> None:
    # Reject rather than silently rename: a client sending paths is buggy or hostile.
    if not name or "/" in name or "\\" in name or ".." in name or "\x00" in name:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "invalid file name")


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    dependencies=[TokenDep],
    responses={
        **UNAUTHORIZED,
        400: {"description": "invalid file name (a path, or empty)"},
        409: {
            "description": "a different document has the same id, or an upload of this "
            "document is in progress"
        },
        413: {"description": "the file is larger than MAX_UPLOAD_BYTES"},
        415: {"description": "unsupported file type (by extension)"},
    },
)
def upload_document(
    request: Request, file: UploadFile, service: ServiceDep, settings: SettingsDep
) -> UploadOut:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > settings.MAX_UPLOAD_BYTES + 64_000:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "request too large")
    name = file.filename or ""
    _check_name(name)
    try:
        service.ingestor.validate(name)
    except UnsupportedDocument as exc:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, str(exc)) from exc
    data = _read_limited(file, settings.MAX_UPLOAD_BYTES)
    try:
        result = service.ingestor.ingest(name, data)
    except UnsupportedDocument as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    except DocumentConflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    return UploadOut(document=DocumentOut(**vars(result.document)), status=result.status)


@router.get("")
def list_documents(service: ServiceDep) -> list[DocumentOut]:
    return [DocumentOut(**vars(d)) for d in service.store.list_documents()]


@router.delete(
    "/{document_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[TokenDep],
    responses={**UNAUTHORIZED, 404: {"description": "no such document"}},
)
def delete_document(document_id: str, service: ServiceDep) -> None:
    if not service.store.delete_document(document_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "document not found")
