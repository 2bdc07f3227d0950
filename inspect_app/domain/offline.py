"""What the phone needs to show an inspection as the server does, handed to it rather than copied into its scripts.

The offline app (static/pwa/rules.js and the screens over it) scores with the bands of the checklist version it
receives with the checklist; everything it names (outcomes, verdicts, signers, states, where a photo's position and
time come from) it names with the words below.
"""

from __future__ import annotations

from typing import Any

from inspect_app.domain.checklists.checklist import OUTCOME_LABELS
from inspect_app.domain.checklists.scoring import Verdict
from inspect_app.domain.directory.signboards import (
    PLAQUE_CHECK_ITEMS,
    PLAQUE_PENDING_LABEL,
    PLAQUE_UNCHECKED_LABEL,
    PUBLIC_PATH,
    SHORT_CODE_ALPHABET,
    SHORT_CODE_LENGTH,
    TOKEN_PATTERN,
    UNREADABLE_PLAQUE_CODE,
)
from inspect_app.domain.findings import EXIF_TIME_LABEL, PHONE_TIME_LABEL, POSITION_LABELS, UPLOAD_TIME_LABEL
from inspect_app.domain.inspections import NOT_STARTED_LABEL, InspectionStatus, SignatureRole


def offline_rules() -> dict[str, Any]:
    """The labels the phone shows, keyed by the codes the API sends; JSON-ready."""
    return {
        "outcomes": {outcome.value: label for outcome, label in OUTCOME_LABELS.items()},
        "verdicts": {verdict.value: verdict.label for verdict in Verdict},
        # In the order the signatures are asked for, which is also the order missing_for_submit names them.
        "roles": [[role.value, role.label] for role in SignatureRole],
        "statuses": {"not_started": NOT_STARTED_LABEL, **{status.value: status.label for status in InspectionStatus}},
        "positions": dict(POSITION_LABELS),
        # What a typed or scanned plaque code may be (domain.directory.signboards.plaque_code_of), so that the
        # phone refuses what the server would refuse before keeping it.
        "plaque": {
            "alphabet": SHORT_CODE_ALPHABET,
            "length": SHORT_CODE_LENGTH,
            "token": TOKEN_PATTERN.pattern,
            "path": PUBLIC_PATH,
            "items": list(PLAQUE_CHECK_ITEMS),
            "unreadable": UNREADABLE_PLAQUE_CODE,
            "pending": PLAQUE_PENDING_LABEL,
            "unchecked": PLAQUE_UNCHECKED_LABEL,
        },
        "times": {"exif": EXIF_TIME_LABEL, "phone": PHONE_TIME_LABEL, "upload": UPLOAD_TIME_LABEL},
    }
