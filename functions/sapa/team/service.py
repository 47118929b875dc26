"""Team actions: each is one SQL function (it checks the actor's role and audits); inviting and resending
also send Supabase Auth's invite e-mail, whose link signs the person in once and leads to the dashboard.
Database refusals come back as postgrest APIErrors with their SQLSTATE (see api.routes._errors)."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from postgrest.exceptions import APIError
from supabase import Client
from supabase_auth.errors import AuthApiError

from sapa.api.auth import StoreRole
from sapa.team.models import (
    InvitationPublic,
    InvitationResult,
    MemberRemoved,
    OwnerInvitation,
    TeamMember,
    TeamPage,
)

logger = logging.getLogger(__name__)


class InviteNotSent(Exception):
    """Supabase Auth refused or failed to send the invite e-mail; the invitation itself is kept."""


def _rpc(supabase: Client, function: str, params: dict[str, Any]) -> Any:
    return supabase.rpc(function, params).execute().data


def send_invite_email(supabase: Client, email: str, dashboard_url: str | None) -> None:
    """Supabase Auth's invite (`POST /auth/v1/invite`): creates the auth user if needed and e-mails the
    link, which leads to the dashboard (its Site URL when `dashboard_url` is unset)."""
    options: dict[str, Any] = {"data": {}}
    if dashboard_url:
        options["redirect_to"] = dashboard_url.rstrip("/") + "/"
    try:
        supabase.auth.admin.invite_user_by_email(email, options)  # type: ignore[arg-type]
    except AuthApiError as error:
        raise InviteNotSent(f"Supabase Auth did not send the invitation: {error.message}") from error


def invite(
    supabase: Client,
    *,
    store_id: uuid.UUID,
    email: str,
    role: StoreRole,
    actor_id: uuid.UUID | None,
    dashboard_url: str | None,
) -> InvitationResult:
    result = InvitationResult.model_validate(
        _rpc(
            supabase,
            "invite_to_store",
            {"p_store_id": str(store_id), "p_email": email, "p_role": role, "p_actor_id": _id(actor_id)},
        )
    )
    if result.status == "invited":
        send_invite_email(supabase, result.email, dashboard_url)
        logger.info(
            "store %s invited a %s (invitation %s)",
            store_id,
            role,
            result.invitation and result.invitation.id,
        )
    return result


def resend(
    supabase: Client,
    *,
    store_id: uuid.UUID,
    invitation_id: uuid.UUID,
    actor_id: uuid.UUID,
    dashboard_url: str | None,
) -> InvitationPublic:
    invitation = InvitationPublic.model_validate(
        _rpc(supabase, "resend_invitation", _invitation_ids(store_id, invitation_id, actor_id))
    )
    send_invite_email(supabase, invitation.email, dashboard_url)
    return invitation


def revoke(
    supabase: Client, *, store_id: uuid.UUID, invitation_id: uuid.UUID, actor_id: uuid.UUID
) -> InvitationPublic:
    return InvitationPublic.model_validate(
        _rpc(supabase, "revoke_invitation", _invitation_ids(store_id, invitation_id, actor_id))
    )


def change_role(
    supabase: Client, *, store_id: uuid.UUID, user_id: uuid.UUID, role: StoreRole, actor_id: uuid.UUID
) -> TeamMember:
    _rpc(
        supabase,
        "change_member_role",
        {"p_store_id": str(store_id), "p_user_id": str(user_id), "p_role": role, "p_actor_id": str(actor_id)},
    )
    return next(m for m in team_page(supabase, store_id).members if m.user_id == user_id)


def remove(
    supabase: Client, *, store_id: uuid.UUID, user_id: uuid.UUID, actor_id: uuid.UUID
) -> MemberRemoved:
    return MemberRemoved.model_validate(
        _rpc(
            supabase,
            "remove_member",
            {"p_store_id": str(store_id), "p_user_id": str(user_id), "p_actor_id": str(actor_id)},
        )
    )


def team_page(supabase: Client, store_id: uuid.UUID) -> TeamPage:
    return TeamPage.model_validate(_rpc(supabase, "store_team_page", {"p_store_id": str(store_id)}))


def owner_invitation(supabase: Client, store_id: uuid.UUID | str) -> OwnerInvitation:
    return OwnerInvitation.model_validate(
        _rpc(supabase, "store_owner_invitation", {"p_store_id": str(store_id)})
    )


def invite_shop_owner(
    supabase: Client, store_id: str, email: str, dashboard_url: str | None
) -> OwnerInvitation:
    """On connect: the WordPress admin's e-mail becomes the store's owner: a Sapa user at once (the
    connect's SQL adds them), anyone else through an invitation. Never fails the connect: a refusal is
    logged and reported in `error`."""
    error: str | None = None
    try:
        invite(
            supabase,
            store_id=uuid.UUID(store_id),
            email=email,
            role="owner",
            actor_id=None,
            dashboard_url=dashboard_url,
        )
    except APIError as refusal:
        if refusal.code != "23505":  # a member already: the connect added the Sapa user as owner
            logger.warning("store %s: the owner could not be invited: %s", store_id, refusal.message)
            error = refusal.message
    except InviteNotSent as failure:
        logger.warning("store %s: %s", store_id, failure)
        error = str(failure)
    return owner_invitation(supabase, store_id).model_copy(update={"error": error})


def _id(value: uuid.UUID | None) -> str | None:
    return str(value) if value is not None else None


def _invitation_ids(store_id: uuid.UUID, invitation_id: uuid.UUID, actor_id: uuid.UUID) -> dict[str, str]:
    return {"p_store_id": str(store_id), "p_invitation_id": str(invitation_id), "p_actor_id": str(actor_id)}
