"""The states of a district's evidence bundle version, from its build to its signature."""

from __future__ import annotations

from enum import StrEnum


class BundleStatus(StrEnum):
    BUILDING = "building"
    READY = "ready"  # built, previewable, not yet signed
    SIGNED = "signed"
    FAILED = "failed"
    INTERRUPTED = "interrupted"  # its build stopped beating (the process died): build again

    @property
    def label(self) -> str:
        return BUNDLE_STATUS_LABELS[self]


BUNDLE_STATUS_LABELS = {
    BundleStatus.BUILDING: "生成中",
    BundleStatus.READY: "待签字",
    BundleStatus.SIGNED: "已签字",
    BundleStatus.FAILED: "生成失败",
    BundleStatus.INTERRUPTED: "生成中断",
}
