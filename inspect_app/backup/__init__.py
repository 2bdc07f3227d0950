"""Backup and restore of a whole instance: every table's rows from one snapshot and every stored file, in one tar.

create.py writes it, restore.py puts it back into an empty instance; manifest.py holds the archive's rules,
codec.py the value encoding, rows.py and files.py the database and file store sides, tarball.py the tar edge.
"""

from inspect_app.backup.create import Summary, create_backup
from inspect_app.backup.manifest import BackupRefused
from inspect_app.backup.restore import restore_backup
from inspect_app.backup.rows import SEEDED_TABLES

__all__ = ["BackupRefused", "SEEDED_TABLES", "Summary", "create_backup", "restore_backup"]
