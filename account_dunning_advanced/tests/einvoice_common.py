# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Lifecycle messages built from a template, for the importer's tests and its
benchmark (tests/benchmark_einvoice_import.py)."""

import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

FIXTURES = Path(__file__).parent / "fixtures" / "einvoice"
SELLER_SIRET = "10000000900017"
BUYER_SIRET = "20000000800017"

# Peppol BIS Invoice Response 3.1 (OpenPeppol, transaction T111, UBL 2.1
# ApplicationResponse), the shape of the T111 use-case examples of
# OpenPEPPOL/poacc-upgrade-3 and of the fixtures beside these tests.
UBL = "urn:oasis:names:specification:ubl:schema:xsd:"
NAMESPACES = " ".join(
    (
        f'xmlns="{UBL}ApplicationResponse-2"',
        f'xmlns:cac="{UBL}CommonAggregateComponents-2"',
        f'xmlns:cbc="{UBL}CommonBasicComponents-2"',
    )
)
PEPPOL_RESPONSE = """<?xml version="1.0" encoding="UTF-8"?>
<ApplicationResponse {namespaces}>
  <cbc:CustomizationID>urn:fdc:peppol.eu:poacc:trns:invoice_response:3</cbc:CustomizationID>
  <cbc:ProfileID>urn:fdc:peppol.eu:poacc:bis:invoice_response:3</cbc:ProfileID>
  <cbc:ID>{message_id}</cbc:ID>
  <cbc:IssueDate>{issue_date}</cbc:IssueDate>
  <cac:SenderParty>
    <cbc:EndpointID schemeID="0009">{buyer}</cbc:EndpointID>
    <cac:PartyLegalEntity>
      <cbc:RegistrationName>Durand SA</cbc:RegistrationName>
    </cac:PartyLegalEntity>
  </cac:SenderParty>
  <cac:ReceiverParty>
    <cbc:EndpointID schemeID="0009">{seller}</cbc:EndpointID>
    <cac:PartyLegalEntity>
      <cbc:RegistrationName>Seller</cbc:RegistrationName>
    </cac:PartyLegalEntity>
  </cac:ReceiverParty>
  <cac:DocumentResponse>
    <cac:Response>
      <cbc:ResponseCode listID="UNCL4343OpSubset">{code}</cbc:ResponseCode>
      <cbc:EffectiveDate>{effective_date}</cbc:EffectiveDate>{reason}
    </cac:Response>
    <cac:DocumentReference>
      <cbc:ID>{invoice}</cbc:ID>{invoice_date}
      <cbc:DocumentTypeCode listID="UNCL1001">380</cbc:DocumentTypeCode>
    </cac:DocumentReference>
    <cac:IssuerParty>
      <cac:PartyIdentification>
        <cbc:ID schemeID="0009">{seller}</cbc:ID>
      </cac:PartyIdentification>
    </cac:IssuerParty>
    <cac:RecipientParty>
      <cac:PartyIdentification>
        <cbc:ID schemeID="0009">{buyer}</cbc:ID>
      </cac:PartyIdentification>
    </cac:RecipientParty>
  </cac:DocumentResponse>
</ApplicationResponse>
"""
REASON = """
      <cac:Status>
        <cbc:StatusReasonCode listID="OPStatusReason">{code}</cbc:StatusReasonCode>
        <cbc:StatusReason>{text}</cbc:StatusReason>
      </cac:Status>"""


def peppol_response(
    invoice,
    code,
    day,
    message_id=None,
    reason=None,
    seller=SELLER_SIRET,
    buyer=BUYER_SIRET,
    invoice_date=None,
):
    """The bytes of an Invoice Response to ``invoice`` (a number or a
    record) with response ``code`` effective on ``day`` (ISO)."""
    number = invoice if isinstance(invoice, str) else invoice.name
    if invoice_date is None and not isinstance(invoice, str):
        invoice_date = invoice.invoice_date
    return PEPPOL_RESPONSE.format(
        namespaces=NAMESPACES,
        message_id=escape(message_id or f"IR-{number}-{code}-{day}"),
        issue_date=day,
        effective_date=day,
        code=code,
        reason=REASON.format(code="REF", text=escape(reason)) if reason else "",
        invoice=escape(number),
        invoice_date=f"\n      <cbc:IssueDate>{invoice_date}</cbc:IssueDate>"
        if invoice_date
        else "",
        seller=seller,
        buyer=buyer,
    ).encode()


def fixture(name, invoice=None, fixture_invoice="INV/2026/00002"):
    """A fixture file of the corpus, pointed at ``invoice`` (number and issue
    date) when given."""
    data = (FIXTURES / name).read_bytes()
    if invoice is not None:
        data = data.replace(fixture_invoice.encode(), invoice.name.encode())
        data = data.replace(
            b"20260105", invoice.invoice_date.strftime("%Y%m%d").encode()
        )
        data = data.replace(b"2026-01-05", invoice.invoice_date.isoformat().encode())
    return data


def zipped(files):
    """The bytes of a zip of ``files`` ({name: bytes})."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()
