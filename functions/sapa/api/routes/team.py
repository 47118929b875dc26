"""The store's team, for the Team page. Reading is for every member; changes follow the rules held in SQL
(owners: anyone; admins: agents only; agents: nothing; the last owner stays).

GET    /api/stores/{store_id}/team                          → 200 {"members": [...], "invitations": [...]}
POST   /api/stores/{store_id}/invitations {"email","role"}  → 201 {"status": "invited"|"added", ...}
GET    /api/stores/{store_id}/invitations                   → 200 [open invitations]
POST   /api/stores/{store_id}/invitations/{id}/resend       → 200 the invitation (e-mailed again)
DELETE /api/stores/{store_id}/invitations/{id}              → 204 revoked (again: 204, nothing changes)
PATCH  /api/stores/{store_id}/members/{user_id} {"role"}    → 200 the member
DELETE /api/stores/{store_id}/members/{user_id}             → 204 removed, their open work unassigned

401/403 as everywhere (403 also for what the role may not do); 404 no such invitation or member;
409 a member already, or an accepted/revoked invitation; 422 bad input or the last owner;
502 Supabase Auth did not send the e-mail (the invitation is kept: resend it)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, HTTPException, Response, status

from sapa.api.deps import SettingsDep, StoreMember, SupabaseDep
from sapa.api.routes._errors import AUTH_RESPONSES, refusals_as_http_errors
from sapa.team import service
from sapa.team.models import (
    InvitationCreate,
    InvitationPublic,
    InvitationResult,
    RoleChange,
    TeamMember,
    TeamPage,
)

router = APIRouter(prefix="/api/stores/{store_id}", tags=["team"], responses=AUTH_RESPONSES)

ERRORS: dict[int | str, dict[str, str]] = {
    404: {"description": "The store has no such invitation or member"},
    409: {"description": "A member already, or the invitation was accepted or revoked"},
    422: {"description": "Invalid fields, or the store would lose its last owner"},
    502: {"description": "Supabase Auth did not send the invitation e-mail (the invitation is kept)"},
}


def _not_sent(error: service.InviteNotSent) -> HTTPException:
    return HTTPException(status.HTTP_502_BAD_GATEWAY, f"{error} — the invitation is kept: resend it")


@router.get("/team", response_model=TeamPage)
def get_team(member: StoreMember, supabase: SupabaseDep) -> TeamPage:
    return service.team_page(supabase, member.store_id)


@router.post(
    "/invitations", response_model=InvitationResult, status_code=status.HTTP_201_CREATED, responses=ERRORS
)
def create_invitation(
    body: InvitationCreate, member: StoreMember, supabase: SupabaseDep, settings: SettingsDep
) -> InvitationResult:
    with refusals_as_http_errors():
        try:
            return service.invite(
                supabase,
                store_id=member.store_id,
                email=body.email,
                role=body.role,
                actor_id=member.user_id,
                dashboard_url=settings.dashboard_url,
            )
        except service.InviteNotSent as error:
            raise _not_sent(error) from error


@router.get("/invitations", response_model=list[InvitationPublic])
def list_invitations(member: StoreMember, supabase: SupabaseDep) -> list[InvitationPublic]:
    return service.team_page(supabase, member.store_id).invitations


@router.post("/invitations/{invitation_id}/resend", response_model=InvitationPublic, responses=ERRORS)
def resend_invitation(
    invitation_id: uuid.UUID, member: StoreMember, supabase: SupabaseDep, settings: SettingsDep
) -> InvitationPublic:
    with refusals_as_http_errors():
        try:
            return service.resend(
                supabase,
                store_id=member.store_id,
                invitation_id=invitation_id,
                actor_id=member.user_id,
                dashboard_url=settings.dashboard_url,
            )
        except service.InviteNotSent as error:
            raise _not_sent(error) from error


@router.delete(
    "/invitations/{invitation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=ERRORS,
)
def revoke_invitation(invitation_id: uuid.UUID, member: StoreMember, supabase: SupabaseDep) -> Response:
    with refusals_as_http_errors():
        service.revoke(
            supabase, store_id=member.store_id, invitation_id=invitation_id, actor_id=member.user_id
        )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.patch("/members/{user_id}", response_model=TeamMember, responses=ERRORS)
def change_member_role(
    user_id: uuid.UUID, body: RoleChange, member: StoreMember, supabase: SupabaseDep
) -> TeamMember:
    with refusals_as_http_errors():
        return service.change_role(
            supabase, store_id=member.store_id, user_id=user_id, role=body.role, actor_id=member.user_id
        )


@router.delete(
    "/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response, responses=ERRORS
)
def remove_member(user_id: uuid.UUID, member: StoreMember, supabase: SupabaseDep) -> Response:
    """What was unassigned is counted in the audit log (`member.work_unassigned`)."""
    with refusals_as_http_errors():
        service.remove(supabase, store_id=member.store_id, user_id=user_id, actor_id=member.user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
