"""A real SMTP server on loopback for the tests (aiosmtpd): a free port and a handler that records
what it accepts. The ``smtp`` fixture (tests/conftest.py) starts one and points the app at it."""

from __future__ import annotations

import email
import socket
from email import policy


def free_port() -> int:
    """A loopback port nothing listens on (until someone binds it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RecordingHandler:
    """An aiosmtpd handler that keeps every accepted message and can refuse recipients."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.recipients: list[str] = []
        self.rcpt_replies: dict[str, str] = {}  # address -> e.g. "550 5.1.1 No such user"
        self.default_rcpt_reply: str | None = None  # e.g. "451 4.7.1 Try again later" for everyone

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.rcpt_replies.get(address, self.default_rcpt_reply)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        self.recipients.extend(envelope.rcpt_tos)
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages]

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if address in m["To"]]
