"""ZIP archives of bundles: written by streaming files in, read back with every member hashed."""

from __future__ import annotations

import hashlib
import stat
import struct
import zipfile
import zlib
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from inspect_app.adapters.filestore import MissingFile, StoreUnreachable
from inspect_app.domain.evidence.manifest import FileEntry, name_collision, name_problem

CHUNK = 1 << 20
# Photos and PDFs are compressed already; deflating them again costs time and saves nothing.
STORED_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".pdf", ".xlsx")


def _compression(name: str) -> int:
    return zipfile.ZIP_STORED if name.lower().endswith(STORED_SUFFIXES) else zipfile.ZIP_DEFLATED


class UnsafeName(ValueError):
    """A member name no bundle may hold (the verifier would refuse it); the message says why, in Chinese."""


class _HashingSink:
    """The archive's file, written strictly front to back and hashed on the way: the finished ZIP's SHA-256 is known
    when it is closed, without reading gigabytes back. It offers no seek, so zipfile writes each member's CRC and
    sizes in a data descriptor after its data instead of going back to patch its header (Archive reads both)."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self._raw.write(data)
        self.digest.update(data)
        self.size += len(data)
        return len(data)

    def tell(self) -> int:
        return self.size

    def flush(self) -> None:
        self._raw.flush()


class ArchiveWriter:
    """Adds members one by one, from bytes or from files, without holding the archive in memory; the archive's
    size and SHA-256 are known once it is closed."""

    def __init__(self, target: Path):
        self._file = target.open("wb")
        self._sink = _HashingSink(self._file)
        self._zip = zipfile.ZipFile(self._sink, "w", allowZip64=True)  # type: ignore[call-overload]
        self.entries: list[FileEntry] = []
        self._names: dict[str, str] = {}
        self.size: int | None = None
        self.sha256: str | None = None

    def _check(self, name: str) -> None:
        # The same rule the verifier applies: a bundle we write never fails it for its names.
        reason = name_problem(name) or name_collision(name, self._names)
        if reason:
            raise UnsafeName(f"{name!r}：{reason}，不能写入证据包")

    def add_bytes(self, name: str, data: bytes, listed: bool = True) -> None:
        self._check(name)
        self._zip.writestr(
            zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data, compress_type=_compression(name)
        )
        if listed:
            self.entries.append(FileEntry(name, len(data), hashlib.sha256(data).hexdigest()))

    def add_file(self, name: str, source: Path) -> None:
        self._check(name)
        info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
        info.compress_type = _compression(name)
        # Declared up front: with no going back to patch the header, zipfile decides on ZIP64 from this size.
        info.file_size = source.stat().st_size
        # Hashed as copied even when the file is stored under its SHA-256 already (an original photo): the manifest
        # must state the bytes that went into the ZIP, not what the store's name promises; a file altered or
        # damaged in the store then shows as a mismatch against its photo row, instead of being sealed as intact.
        digest, size = hashlib.sha256(), 0
        with source.open("rb") as reader, self._zip.open(info, "w") as writer:
            for block in iter(lambda: reader.read(CHUNK), b""):
                digest.update(block)
                size += len(block)
                writer.write(block)
        self.entries.append(FileEntry(name, size, digest.hexdigest()))

    def close(self) -> tuple[int, str]:
        """Finish the archive; returns its size and SHA-256 (also kept as .size and .sha256)."""
        try:
            self._zip.close()
            self._file.flush()
        finally:
            self._file.close()
        self.size, self.sha256 = self._sink.size, self._sink.digest.hexdigest()
        return self.size, self.sha256


DAMAGED = "文件已损坏，无法读出（压缩数据或 CRC 校验错误）"
STRUCTURE = "证据包结构"
_END = struct.Struct("<4s4H2LH")  # end of central directory record (22 bytes)
_END64_LOCATOR = struct.Struct("<4sLQL")  # 20 bytes
_LOCAL = struct.Struct("<4s5H3L2H")  # local file header (30 bytes)


class Unreadable(Exception):
    """The archive as a whole cannot be read, or may not be (bytes hidden around or between its members)."""


class Refused(Exception):
    """One member is not read: too large, inflating past its size, damaged; the message says why, in Chinese."""


def _has_zip64_field(extra: bytes) -> bool:
    """Whether a local header's extra data holds a ZIP64 field (id 0x0001)."""
    at = 0
    while at + 4 <= len(extra):
        kind, length = struct.unpack_from("<HH", extra, at)
        if kind == 1:
            return True
        at += 4 + length
    return False


def _store_failure(error: BaseException | None) -> BaseException | None:
    """The store's own failure (out of reach, the file gone) behind an error zipfile raised, if there is one."""
    while error is not None:
        if isinstance(error, (StoreUnreachable, MissingFile)):
            return error
        error = error.__cause__ or error.__context__
    return None


class Archive:
    """A ZIP opened for checking: its structure proven contiguous, its names judged, members read as capped streams.

    Everything is read from the central directory's declared sizes and our own inflater, so a member can never
    produce more bytes than it declares, and a caller can compare those sizes with a manifest before reading.
    """

    def __init__(self, source: Path | BinaryIO):
        self._stack = ExitStack()
        self._fp: BinaryIO = self._stack.enter_context(open(source, "rb")) if isinstance(source, Path) else source
        try:
            self._zip = self._stack.enter_context(zipfile.ZipFile(self._fp))
            self._data_at: dict[int, int] = {}
            self._check_structure()
        except (Unreadable, StoreUnreachable, MissingFile):  # the latter two: the store failed, not the ZIP
            self._stack.close()
            raise
        except Exception as error:  # noqa: BLE001 - a damaged ZIP fails in many ways (BadZipFile, struct.error,
            # OverflowError, ValueError, NotImplementedError): whichever it is, the archive cannot be read.
            self._stack.close()
            failure = _store_failure(error)
            if failure is not None:  # zipfile reports any failed read as BadZipFile: it was the store's
                raise failure from error
            raise Unreadable("文件不是有效的 ZIP 证据包（文件损坏或被截断）") from error
        self.members: dict[str, zipfile.ZipInfo] = {}
        self.name_problems: dict[str, str] = {}
        self._judge_names()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc) -> None:
        self._stack.close()

    def _check_structure(self) -> None:
        """Refuse bytes before the first member, between members, or after the end record: another tool would read
        them (a second ZIP in front, appended data, a comment) and see a bundle different from the one verified."""
        fp = self._fp
        size = fp.seek(0, 2)
        fp.seek(size - _END.size)
        end = _END.unpack(fp.read(_END.size))
        if end[0] != b"PK\x05\x06":
            raise Unreadable(f"{STRUCTURE}：ZIP 结束记录之后还有数据（ZIP 注释或附加的内容），证据包不能带多余的数据")
        central_size, central_at, central_end = end[5], end[6], size - _END.size
        fp.seek(size - _END.size - _END64_LOCATOR.size)
        locator = _END64_LOCATOR.unpack(fp.read(_END64_LOCATOR.size))
        if locator[0] == b"PK\x06\x07":
            fp.seek(locator[2])
            record = fp.read(56)
            if (
                record[:4] != b"PK\x06\x06"
                or locator[2] + 12 + struct.unpack("<Q", record[4:12])[0] != size - _END.size - _END64_LOCATOR.size
            ):
                raise Unreadable(f"{STRUCTURE}：ZIP64 结束记录的位置不对（文件损坏或被拼接）")
            central_size, central_at = struct.unpack("<QQ", record[40:56])
            central_end = locator[2]
        if central_at + central_size < central_end:
            raise Unreadable(
                f"{STRUCTURE}：ZIP 的第一个文件之前有 {central_end - central_at - central_size} 字节多余的"
                "数据（另一个 ZIP 或别的内容拼接在一起），不同的解压工具会读出不同的内容"
            )
        if central_at + central_size != central_end:
            raise Unreadable(f"{STRUCTURE}：中央目录的位置或大小不对（文件损坏或被截断）")
        expected, after = 0, None
        for info in sorted(self._zip.infolist(), key=lambda i: i.header_offset):
            if info.header_offset != expected:
                where = "第一个文件之前" if after is None else f"{after} 之后、下一个文件之前"
                raise Unreadable(f"{STRUCTURE}：{where}有多余的数据，或文件之间的位置互相重叠（文件之间不能夹带数据）")
            expected, after = self._member_end(info), info.filename
        if expected != central_at:
            raise Unreadable(
                f"{STRUCTURE}：最后一个文件 {after} 之后、中央目录之前有多余的数据（文件之间不能夹带数据）"
            )

    def _member_end(self, info: zipfile.ZipInfo) -> int:
        self._fp.seek(info.header_offset)
        header = _LOCAL.unpack(self._fp.read(_LOCAL.size))
        name_length, extra_length = header[9], header[10]
        raw_name = self._fp.read(name_length)
        extra = self._fp.read(extra_length)
        encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
        if header[0] != b"PK\x03\x04" or raw_name.decode(encoding, "replace") != info.orig_filename:
            raise Unreadable(f"{STRUCTURE}：{info.filename} 的本地文件头与中央目录不一致（文件损坏或被篡改）")
        data_at = info.header_offset + _LOCAL.size + name_length + extra_length
        self._data_at[info.header_offset] = data_at
        end = data_at + info.compress_size
        if info.flag_bits & 0x08:  # sizes in a data descriptor after the data (written by streaming tools)
            self._fp.seek(end)
            head = self._fp.read(4)
            end += 4 if head == b"PK\x07\x08" else 0
            # 8-byte sizes when the member is ZIP64: zipfile marks it so (a ZIP64 field in the local header) from
            # 2 GiB on, before the 4-byte sizes run out.
            wide = _has_zip64_field(extra) or info.file_size >= 0xFFFFFFFF or info.compress_size >= 0xFFFFFFFF
            end += 20 if wide else 12
        return end

    def _judge_names(self) -> None:
        seen: dict[str, str] = {}
        for info in self._zip.infolist():
            name = info.filename
            folder = info.is_dir() and info.file_size == 0
            # A folder entry is never read, but unzip tools create it: its name must not escape either, and it may
            # hide no bytes (data no one checks) behind its size of zero.
            reason = name_problem(name) or (None if folder else name_collision(name, seen))
            if reason is None and stat.S_ISLNK(info.external_attr >> 16):
                reason = "是符号链接，解压时会指向证据包之外的文件"
            if reason is None and folder and info.compress_size:
                reason = f"是文件夹却带有 {info.compress_size} 字节数据，证据包不能夹带数据"
            if folder and reason is None:
                continue  # an empty folder entry holds nothing to read
            if reason:
                self.name_problems.setdefault(name, reason)
                self.members.pop(name, None)
            elif name not in self.name_problems:
                self.members[name] = info

    def stream(self, name: str, cap: int | None = None) -> Iterator[bytes]:
        """The member's bytes in blocks, inflated by us: never past its declared size (nor `cap`), CRC checked."""
        info = self.members[name]
        if cap is not None and info.file_size > cap:
            raise Refused(f"文件过大（{info.file_size} 字节，上限 {cap} 字节）")
        if info.flag_bits & 0x61:  # encrypted, strongly encrypted, or a "patch" against other data
            raise Refused("文件已加密或是补丁格式，无法检查")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise Refused(DAMAGED)
        inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
        self._fp.seek(self._data_at[info.header_offset])
        left, produced, crc, pending = info.compress_size, 0, 0, b""
        try:
            while inflater is None or not inflater.eof:
                if not pending:
                    if not left:
                        break
                    pending = self._fp.read(min(CHUNK, left))
                    if not pending:
                        raise Refused(DAMAGED)  # cut short
                    left -= len(pending)
                if inflater is None:
                    block, pending = pending, b""
                else:
                    # Never more than one byte past the declared size is inflated: enough to know it lies.
                    block = inflater.decompress(pending, min(CHUNK, info.file_size - produced + 1))
                    pending = inflater.unconsumed_tail
                produced += len(block)
                if produced > info.file_size:
                    raise Refused(f"文件解压后超过声明的大小（{info.file_size} 字节），可能是压缩炸弹")
                crc = zlib.crc32(block, crc)
                yield block
        except zlib.error:
            raise Refused(DAMAGED) from None
        # A deflate stream whose final-block bit is lost still yields every byte (zipfile accepts it too); bytes
        # after the stream's end, inside the member, would be data no one checks.
        hidden = left or (inflater is not None and (inflater.unused_data or pending))
        if produced != info.file_size or crc != info.CRC or hidden:
            raise Refused(DAMAGED)

    def read(self, name: str, cap: int) -> bytes:
        """A small member whole (the manifest, its signature), refused above `cap` before anything is inflated."""
        return b"".join(self.stream(name, cap))

    def hash(self, name: str, copy_to: BinaryIO | None = None) -> FileEntry:
        """The member's size and SHA-256, streamed (and copied to `copy_to` when given)."""
        digest, size = hashlib.sha256(), 0
        for block in self.stream(name):
            digest.update(block)
            size += len(block)
            if copy_to is not None:
                copy_to.write(block)
        return FileEntry(name, size, digest.hexdigest())


@dataclass
class Members:
    """What a ZIP holds: each readable member's size and SHA-256, the bytes of those asked for, and why any other
    member could not be read (damaged data, a name no bundle may hold, or one that appears twice)."""

    present: dict[str, FileEntry]
    contents: dict[str, bytes]
    unreadable: dict[str, str]


def read_members(source: Path | BinaryIO, wanted: Iterable[str], cap: int = 1 << 20) -> Members:
    """Every member streamed and hashed (an empty folder entry aside), `wanted` ones kept up to `cap` bytes;
    raises Unreadable only when the ZIP itself is unreadable."""
    want = set(wanted)
    found = Members({}, {}, {})
    with Archive(source) as archive:
        found.unreadable.update(archive.name_problems)
        for name in archive.members:
            try:
                if name in want:
                    data = archive.read(name, cap)
                    found.contents[name] = data
                    found.present[name] = FileEntry(name, len(data), hashlib.sha256(data).hexdigest())
                else:
                    found.present[name] = archive.hash(name)
            except Refused as error:
                found.unreadable[name] = str(error)
    return found
