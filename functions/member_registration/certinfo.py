"""The subject, issuer and expiry of a PEM certificate, read with the standard library only.

The Lambda runtime has no ``cryptography``; checking the agent certificate's identity before handing
it to karmada-agent only needs the subject's CN and O, the issuer's CN, ``notAfter`` and (to tell a renewed
certificate from the one a member holds) the serial number, which a few lines of DER
reading give (X.509: Certificate ::= SEQUENCE { tbsCertificate, ... }; tbsCertificate ::= SEQUENCE {
[0] version OPTIONAL, serialNumber, signature, issuer, validity, subject, ... }).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import re
from dataclasses import dataclass

from .errors import CertificateFormatError

_PEM_CERT = re.compile(rb"-----BEGIN CERTIFICATE-----\s*(.+?)\s*-----END CERTIFICATE-----", re.S)

_OID_CN = "2.5.4.3"
_OID_O = "2.5.4.10"
_STRING_TAGS = {0x0C: "utf-8", 0x13: "ascii", 0x16: "ascii", 0x14: "latin-1", 0x1E: "utf-16-be"}


@dataclass(frozen=True)
class CertificateInfo:
    """The parts of an X.509 certificate the registration checks: subject CN and O, notAfter, serial, issuer CN."""

    common_name: str
    organizations: tuple[str, ...]
    not_after: datetime.datetime
    serial_number: int = 0
    issuer_common_name: str = ""

    @property
    def serial_hex(self) -> str:
        """The serial number in lower-case hex (as ``openssl x509 -serial`` prints it, without colons)."""
        return format(self.serial_number, "x")


def read_certificate(pem: bytes) -> CertificateInfo:
    """Subject CN, subject O values, notAfter, serial number and issuer CN of the first certificate in ``pem``."""
    match = _PEM_CERT.search(pem or b"")
    if not match:
        raise CertificateFormatError("no PEM certificate found")
    try:
        der = base64.b64decode(b"".join(match.group(1).split()), validate=True)
    except (binascii.Error, ValueError) as err:
        raise CertificateFormatError("the PEM certificate is not base64") from err
    try:
        certificate = _children(der, *_tlv(der, 0, 0x30)[:2])
        tbs = _children(der, *certificate[0][1:3])
        fields = [f for f in tbs if f[0] != 0xA0]  # skip the explicit [0] version
        validity = _children(der, *fields[3][1:3])
        subject = fields[4]
        if subject[0] != 0x30 or len(validity) != 2 or fields[0][0] != 0x02:
            raise CertificateFormatError("unexpected certificate structure")
        serial = int.from_bytes(der[fields[0][1]:fields[0][2]], "big", signed=True)
        attributes = _name_attributes(der, subject[1], subject[2])
        issuer = _name_attributes(der, fields[2][1], fields[2][2])
        not_after = _time(validity[1][0], der[validity[1][1]:validity[1][2]])
    except (IndexError, ValueError) as err:
        if isinstance(err, CertificateFormatError):
            raise
        raise CertificateFormatError(f"cannot read the certificate: {err}") from err
    common_names = [value for oid, value in attributes if oid == _OID_CN]
    issuer_names = [value for oid, value in issuer if oid == _OID_CN]
    return CertificateInfo(
        common_name=common_names[0] if common_names else "",
        organizations=tuple(value for oid, value in attributes if oid == _OID_O),
        not_after=not_after,
        serial_number=serial,
        issuer_common_name=issuer_names[0] if issuer_names else "",
    )


def _tlv(data: bytes, offset: int, expect: int | None = None) -> tuple[int, int, int]:
    """(content start, content end, tag) of the DER element at ``offset``; returned as start, end, tag."""
    tag = data[offset]
    if expect is not None and tag != expect:
        raise CertificateFormatError(f"expected DER tag 0x{expect:02x}, found 0x{tag:02x}")
    length = data[offset + 1]
    start = offset + 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4:
            raise CertificateFormatError("unsupported DER length")
        length = int.from_bytes(data[start:start + count], "big")
        start += count
    end = start + length
    if end > len(data):
        raise CertificateFormatError("truncated DER data")
    return start, end, tag


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    """(tag, content start, content end) of each element between ``start`` and ``end``."""
    items: list[tuple[int, int, int]] = []
    offset = start
    while offset < end:
        content_start, content_end, tag = _tlv(data, offset)
        items.append((tag, content_start, content_end))
        offset = content_end
    return items


def _oid(raw: bytes) -> str:
    if not raw:
        raise CertificateFormatError("empty OID")
    parts = [raw[0] // 40, raw[0] % 40]
    value = 0
    for byte in raw[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    return ".".join(str(p) for p in parts)


def _name_attributes(data: bytes, start: int, end: int) -> list[tuple[str, str]]:
    """(OID, value) of each attribute of an X.501 Name, in order."""
    attributes: list[tuple[str, str]] = []
    for rdn_tag, rdn_start, rdn_end in _children(data, start, end):
        if rdn_tag != 0x31:
            raise CertificateFormatError("a Name holds SETs")
        for seq_tag, seq_start, seq_end in _children(data, rdn_start, rdn_end):
            pair = _children(data, seq_start, seq_end)
            if seq_tag != 0x30 or len(pair) != 2 or pair[0][0] != 0x06:
                raise CertificateFormatError("unexpected attribute in a Name")
            oid = _oid(data[pair[0][1]:pair[0][2]])
            encoding = _STRING_TAGS.get(pair[1][0])
            if encoding is None:
                continue  # not a string type: not CN or O
            attributes.append((oid, data[pair[1][1]:pair[1][2]].decode(encoding, "replace")))
    return attributes


def _time(tag: int, raw: bytes) -> datetime.datetime:
    text = raw.decode("ascii")
    if tag == 0x17:  # UTCTime YYMMDDHHMMSSZ
        parsed = datetime.datetime.strptime(text, "%y%m%d%H%M%SZ")
    elif tag == 0x18:  # GeneralizedTime YYYYMMDDHHMMSSZ
        parsed = datetime.datetime.strptime(text, "%Y%m%d%H%M%SZ")
    else:
        raise CertificateFormatError(f"unexpected time tag 0x{tag:02x}")
    return parsed.replace(tzinfo=datetime.UTC)
