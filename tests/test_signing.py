"""Keyed hashing and signing (surveyapp/signing.py): values made before the move keep working."""

from __future__ import annotations

import pytest

from surveyapp import signing

SECRET = "test-secret"


def test_outputs_are_the_ones_issued_before_for_the_same_secret():
    # Made by the code before signing.py existed (tokens.derive_token, invitations.unsubscribe): links,
    # unsubscribe URLs in mails already sent, and stored suppression hashes must keep matching.
    assert signing.link_token("00112233445566778899aabbccddeeff", SECRET) == "HRpenkbRnU3quzReTB_4O2D2g7i1YAOyMLBxPi3FAp4"
    assert signing.sign(signing.UNSUBSCRIBE, 42, SECRET) == "NDI.0IembvS_qB_f0XTIU77aGpFOl7E"
    assert signing.unsign(signing.UNSUBSCRIBE, "NDI.0IembvS_qB_f0XTIU77aGpFOl7E", SECRET) == 42
    assert signing.suppression_hash(" Anna@Example.org ", SECRET) == (
        "d667c0db1fa7ccbf24d0cc1cdf6fb0362369dc866e3e77c4aa181438e81c5bb8")


def test_purposes_and_keys_keep_values_apart():
    assert signing.keyed_digest(signing.LINK, "x", SECRET) != signing.keyed_digest(signing.SUPPRESSION, "x", SECRET)
    assert signing.link_token("n", SECRET) != signing.link_token("n", SECRET + "2")
    token = signing.sign(signing.UNSUBSCRIBE, 7, SECRET)
    assert signing.unsign(signing.UNSUBSCRIBE, token, SECRET + "2") is None  # another key
    assert signing.unsign("another-purpose", token, SECRET) is None  # another salt


@pytest.mark.parametrize("token", ["", "x" * 201, "NDI.1IembvS_qB_f0XTIU77aGpFOl7E", "Nz.garbage"])
def test_damaged_or_forged_tokens_read_as_nothing(token):
    assert signing.unsign(signing.UNSUBSCRIBE, token, SECRET) is None
