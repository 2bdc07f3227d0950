"""What the phone needs to show an inspection as the server does, handed to it rather than copied into its scripts.

The offline app (static/pwa/rules.js and the screens over it) scores with the bands of the checklist version it
receives with the checklist; everything it names (outcomes, verdicts, signers, states, where a photo's position and
time come from) it names with the words below.
"""

from __future__ import annotations

from typing import Any

from inspect_app.domain.checklists.checklist import OUTCOME_LABELS
from inspect_app.domain.checklists.scoring import Verdict
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
        "times": {"exif": EXIF_TIME_LABEL, "phone": PHONE_TIME_LABEL, "upload": UPLOAD_TIME_LABEL},
    }
