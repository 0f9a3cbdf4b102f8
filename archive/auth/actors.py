"""Who acts: a signed-in user (a `User` row), an anonymous reader (`None`), or the system.

Threat: authority taken from where a call comes from. The archive once skipped its permission
checks whenever a use case was told `via="cli"`, so any code path that passed that string held
every right. Now the command line acts as a `SystemActor` (Aleph's `Authz` has a system role
for the same reason) holding exactly the permissions its commands need, every use case asks
`can(actor, action, obj)` whatever the source, and the source (`web`, `api`, `cli`) is a
description in the audit log that grants nothing. The audit log records every actor: the
user, the operating-system account that ran a command, or an anonymous reader.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass

from archive.storage.models import ROLES, User

ANONYMOUS = "anonymous"  # a reader who has not signed in

# What the `archive` command may do, and nothing more: load the sample case and ingest files
# (creating cases, documents and their timelines), create accounts (the first custodian among them),
# keep the index in line, back up and restore, verify the audit chain and export a brief for
# its owner, withdraw a document at once (it only narrows) and list retention reviews. It edits
# no document, publishes nothing, deletes nothing, reads no original and changes no one's brief.
COMMAND_LINE = frozenset(
    {
        "case:create",
        "document:create",
        "timeline:edit",
        "user:create",
        "user:sessions",
        "index:rebuild",
        "archive:export",
        "archive:import",
        "audit:read",
        "brief:export",
        "document:withdraw",
        "retention:read",
    }
)


@dataclass(frozen=True)
class SystemActor:
    """The archive itself acting for an operator: an explicit set of permissions, and the
    operating-system account it runs as (recorded in the audit log)."""

    os_user: str
    permissions: frozenset[str]
    # whose view of the documents its reads get: `archive search --as-role researcher`
    reads_as: str = ANONYMOUS
    # the custodian who vouches, by `--reviewed-by`, that files saying `redaction: reviewed`
    # were reviewed before they came in (only then does the front matter count)
    attested_by: int | None = None

    def __post_init__(self):
        if self.reads_as not in (ANONYMOUS, *ROLES):
            raise ValueError(f"reads_as is anonymous or one of {', '.join(ROLES)}")

    @property
    def principal(self) -> str:
        return f"system:{self.os_user}"


Actor = User | SystemActor | None


# What the command line may do only on a named custodian's word (`--reviewed-by`,
# `--custodian`): attest that files were reviewed, export an evidence package
VOUCHED = frozenset({"redaction:attest", "evidence:export"})


def command_line_actor(
    reads_as: str = ANONYMOUS, attested_by: int | None = None, vouched: frozenset[str] = frozenset({"redaction:attest"})
) -> SystemActor:
    """The actor of the `archive` command, run by the current operating-system user; with
    `attested_by` (a custodian's account), it may also take the actions of VOUCHED it is
    given (by default, attest that files were reviewed)."""
    if not vouched <= VOUCHED:
        raise ValueError(f"only {', '.join(sorted(VOUCHED))} are taken on a custodian's word")
    permissions = COMMAND_LINE | (vouched if attested_by is not None else set())
    return SystemActor(os_user=os_user(), permissions=permissions, reads_as=reads_as, attested_by=attested_by)


def os_user() -> str:
    """The operating-system account running this process (its uid where it has no name)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container's uid with no passwd entry and no $USER
        return f"uid-{os.getuid()}"


def user_id(actor: Actor) -> int | None:
    """The account behind an actor, for `created_by` columns: None for the system or nobody."""
    return actor.id if isinstance(actor, User) else None
