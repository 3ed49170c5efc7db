"""shields.io endpoint JSON for each badge, and the manifest that records where each came from.

shields rejects endpoint JSON carrying keys it does not know, so the endpoint files hold exactly
its schema and the commit and date each badge was made from live in `badges.json` beside them.
"""

from __future__ import annotations

import json
from typing import Any

from harness.badge.model import Badge

MANIFEST_NAME = "badges.json"
MANIFEST_KIND = "harness-badges"
MANIFEST_SCHEMA = "1"


def endpoint_json(badge: Badge) -> str:
    """The endpoint document shields.io's /endpoint badge reads."""
    data = {
        "schemaVersion": 1,
        "label": badge.label,
        "message": badge.message,
        "color": badge.color,
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def manifest_entry(badge: Badge, svg_name: str, endpoint_name: str) -> dict[str, Any]:
    generated = badge.source.generated_at
    return {
        "id": badge.id,
        "label": badge.label,
        "message": badge.message,
        "color": badge.color,
        "stale": badge.stale,
        "svg": svg_name,
        "endpoint": endpoint_name,
        "source": badge.source.kind,
        "commit": badge.source.commit,
        "generated_at": generated.isoformat().replace("+00:00", "Z") if generated else None,
    }


def manifest_json(entries: list[dict[str, Any]]) -> str:
    """The versioned list of badges in a folder; `--readme` links from it."""
    data = {"schema_version": MANIFEST_SCHEMA, "kind": MANIFEST_KIND, "badges": entries}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
