"""Sending over STARTTLS with a login, to a real SMTP server that demands both."""

from __future__ import annotations

import ipaddress
import ssl
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from surveyapp.extensions import db
from surveyapp.invitations.mailer import send_due_mails
from surveyapp.invitations.operations import queue_invitations
from surveyapp.models import OutboxMail

from .conftest import RecordingHandler, add_contacts, free_port


@pytest.fixture
def certificate(tmp_path):
    """A throw-away certificate for 127.0.0.1 (it doubles as its own CA)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = tmp_path / "key.pem", tmp_path / "cert.pem"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


@pytest.fixture
def tls_smtp(app, certificate):
    key, cert = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    logins = []

    def authenticate(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, session.ssl is not None))
        return AuthResult(success=auth_data.login == b"surveyapp" and auth_data.password == b"s3cret")

    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), tls_context=context,
                            require_starttls=True, authenticator=authenticate, auth_required=True)
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_TLS="starttls", SMTP_TIMEOUT=5,
                      SMTP_USER="surveyapp", SMTP_PASSWORD="s3cret", SMTP_CA_FILE=str(cert))
    handler.logins = logins
    yield handler
    controller.stop()


def test_mail_goes_out_over_starttls_after_login(app, tls_smtp, survey, wave):
    add_contacts(survey, 2)
    queue_invitations(survey, wave)
    report = send_due_mails()
    assert report.sent == 2 and len(tls_smtp.messages) == 2
    assert tls_smtp.logins and all(encrypted for _, encrypted in tls_smtp.logins)  # never a password in clear


@pytest.mark.parametrize("setting", [
    {"SMTP_CA_FILE": None},  # the throw-away certificate is not signed by a system CA
    {"SMTP_PASSWORD": "wrong"},
], ids=["untrusted certificate", "wrong password"])
def test_a_refused_connection_stops_the_run_and_loses_nothing(app, tls_smtp, survey, wave, setting):
    app.config.update(setting)
    add_contacts(survey, 1)
    queue_invitations(survey, wave)
    report = send_due_mails()
    assert report.sent == 0 and report.stopped
    assert tls_smtp.messages == []
    assert [mail.state for mail in db.session.scalars(db.select(OutboxMail))] == ["queued"]
