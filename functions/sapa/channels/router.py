"""Outbound through the store's chosen provider. The pipeline (bot replies, agents' replies, templates)
sends through one `MessageSender` and never asks which provider a store has: `ChannelSender` finds the
store by its WhatsApp number (the sender's `from_phone`) and sends through Twilio (or its sandbox) or
through Meta's Cloud API. The reply job's media reading is routed the same way (`read_inbound_media`)."""

from __future__ import annotations

from supabase import Client

from sapa.channels.base import ChannelUnavailable, SendResult
from sapa.channels.meta import storage as meta_storage
from sapa.channels.meta.channel import MetaChannel
from sapa.channels.meta.graph import GraphApi, MetaCredentials
from sapa.channels.twilio.media import (
    MAX_MEDIA_BYTES,
    Download,
    MediaDeps,
    MediaItem,
    TwilioCredentials,
    process_media,
    read_message_media,
)
from sapa.channels.twilio.sender import TwilioSender
from sapa.settings import Settings
from sapa.stores.crypto import CredentialsCipher


def graph_api(settings: Settings) -> GraphApi:
    return GraphApi(settings.meta_graph_api_base_url, settings.meta_graph_api_version)


def credentials_cipher(settings: Settings) -> CredentialsCipher | None:
    """Meta secrets are stored encrypted; without the key no Meta store can be served."""
    key = settings.credentials_encryption_key
    return CredentialsCipher(key.get_secret_value()) if key is not None else None


class ChannelSender:
    """The `MessageSender` of the whole pipeline: Twilio's arguments in, the store's provider out."""

    def __init__(self, settings: Settings, supabase: Client, *, twilio: TwilioSender | None = None) -> None:
        self._twilio = twilio or TwilioSender(settings)
        self._graph = graph_api(settings)
        self._cipher = credentials_cipher(settings)
        self._supabase = supabase

    def send(
        self,
        *,
        account_sid: str | None,
        auth_token: str | None,
        from_phone: str,
        to_phone: str,
        body: str | None = None,
        content_sid: str | None = None,
        content_variables: dict[str, str] | None = None,
        status_callback: str | None = None,
    ) -> SendResult:
        store = meta_storage.find_store(self._supabase, self._cipher, "whatsapp_number", from_phone)
        if store is None or store.provider != "meta":
            return self._twilio.send(
                account_sid=account_sid,
                auth_token=auth_token,
                from_phone=from_phone,
                to_phone=to_phone,
                body=body,
                content_sid=content_sid,
                content_variables=content_variables,
                status_callback=status_callback,
            )
        channel = self.meta_channel(store.id, store.meta)
        if content_sid is not None:
            return channel.send_template(to_phone, content_sid, content_variables or {})
        if body is None:
            raise ValueError("send either a body (free text) or a template")
        return channel.send_text(to_phone, body)

    def meta_channel(self, store_id: str, credentials: MetaCredentials | None) -> MetaChannel:
        if credentials is None:
            raise ChannelUnavailable(
                "the store sends through Meta but its credentials cannot be read (check the encryption key)"
            )
        return MetaChannel(
            self._graph,
            credentials,
            lambda template_id: meta_storage.find_template(self._supabase, store_id, template_id),
        )


class MetaMediaDownloader:
    """Twilio's media reader, fed from the Graph API with the store's Meta token."""

    def __init__(self, graph: GraphApi, access_token: str) -> None:
        self._graph = graph
        self._token = access_token

    def download(self, url: str) -> Download:
        download, _ = self._graph.download_media(url, self._token, MAX_MEDIA_BYTES)
        return download


def read_inbound_media(
    deps: MediaDeps,
    settings: Settings,
    *,
    store_id: str,
    message_id: str,
    items: list[MediaItem],
    credentials: TwilioCredentials,
) -> list[MediaItem]:
    """The message's media read through the provider it came from (read_message_media for Twilio)."""
    store = meta_storage.find_store(deps.supabase, credentials_cipher(settings), "id", store_id)
    if store is None or store.provider != "meta" or store.meta is None:
        return read_message_media(
            deps, store_id=store_id, message_id=message_id, items=items, credentials=credentials
        )
    graph = graph_api(settings)
    try:
        downloader = MetaMediaDownloader(graph, store.meta.access_token)
        return process_media(deps, store_id, message_id, items, downloader.download)
    finally:
        graph.close()
