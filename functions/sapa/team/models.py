"""The team's JSON: what the Team page, the API and the plugin read."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sapa.api.auth import StoreRole


class InvitationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: str = Field(max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    role: StoreRole = "agent"


class RoleChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: StoreRole


class InvitationPublic(BaseModel):
    id: uuid.UUID
    store_id: uuid.UUID
    email: str
    role: StoreRole
    invited_by: uuid.UUID | None
    sent_at: datetime
    send_count: int
    expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None
    created_at: datetime
    expired: bool = False


class InvitationResult(BaseModel):
    """What inviting did: `invited` (an e-mail went out; `invitation` is open) or `added` (the e-mail
    belongs to a Sapa user, who is a member now)."""

    status: Literal["invited", "added"]
    email: str
    role: StoreRole
    user_id: uuid.UUID | None = None
    invitation: InvitationPublic | None = None


class TeamMember(BaseModel):
    user_id: uuid.UUID
    role: StoreRole
    email: str | None
    full_name: str | None
    joined_at: datetime
    last_sign_in_at: datetime | None
    last_active_at: datetime | None
    """The later of the last sign-in and the last audited action in this store."""


class TeamPage(BaseModel):
    members: list[TeamMember]
    invitations: list[InvitationPublic]
    """Open invitations (expired ones too, flagged, so they can be resent)."""


class MemberRemoved(BaseModel):
    user_id: uuid.UUID
    role: StoreRole
    conversations_unassigned: int
    tickets_unassigned: int


class OwnerInvitation(BaseModel):
    """The shop owner's way in, as the WordPress plugin shows it."""

    email: str | None
    status: Literal["accepted", "pending", "expired", "revoked", "none"]
    sent_at: datetime | None = None
    accepted_at: datetime | None = None
    error: str | None = None
    """Why the invitation e-mail could not be sent (the connection itself went through)."""
