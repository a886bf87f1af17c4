# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Read the buyers' answers to an invoice: Peppol Invoice Responses and the
lifecycle messages ("cycle de vie", statuses 200-213) of the French
e-invoicing reform. Pure Python and lxml: no Odoo environment needed.

The contract the importer relies on::

    parse_lifecycle_messages(data: bytes) -> list[LifecycleMessage]

always returns a list (``parse_lifecycle_message`` is the same function under
the name of the first draft of the interface, and returns a list too), never
empty, one item per status of one invoice, in document order. A document can
carry several: UBL 2.1 lets an ``ApplicationResponse`` hold several
``cac:DocumentResponse`` (Peppol BIS Invoice Response 3.1 restricts it to one;
we read all), and the UN/CEFACT CDAR D22B schema lets a message hold several
``rsm:AcknowledgementDocument``, each with several
``ram:ReferenceReferencedDocument`` (the French external specifications set
MultipleReferencesIndicator, MDT-74, to false: one invoice; we read all).
Items of one document share ``message_id``; ``position`` (0, 1, ...) tells
them apart: the idempotence key is (sender, message_id, position).

Any reason to refuse the file raises LifecycleMessageError, for the whole
file: its ``reason`` (English) and ``params`` let the caller translate it.

Three families are read:

* ``peppol_invoice_response``: OpenPeppol BIS Invoice Response 3.1 (UBL 2.1
  ``ApplicationResponse``, CustomizationID
  ``urn:fdc:peppol.eu:poacc:trns:invoice_response:3``; OpenPEPPOL
  poacc-upgrade-3, rules/examples/"Invoice reponse use cases"/T111-*.xml and
  structure/codelist UNCL4343-T111, OPStatusReason, OPStatusAction).
* ``fr_cdar``: the French lifecycle message (CDV) in UN/CEFACT CDAR D22B,
  ``rsm:CrossDomainAcknowledgementAndResponse``, MDT-numbered elements of the
  DGFiP/AIFE "Spécifications externes de la facturation électronique" v3.x
  (flux 6), as checked by FNFE-MPE's schematron BR-FR-CDV-Schematron-CDAR
  V1.2.0 (FR CTC schematrons, 2025-11-14). The specification PDF itself is
  not reachable from here: every path below is taken from that schematron
  (the published artifact of the specification), cited by its rule.
* ``fr_ubl``: the same French statuses in a UBL 2.1 ``ApplicationResponse``
  whose CustomizationID is the French guideline (MDT-3,
  ``urn.cpro.gouv.fr:1p0:CDV:...``). No public source reachable here
  publishes an official UBL binding of the French CDV: this form follows the
  UBL paths of Peppol BIS Invoice Response 3.1 (the closest published UBL
  binding; the MDT -> UBL mapping published by an access point vendor,
  developer.vertexinc.com "France (CII(AR))", uses the same paths), with the
  French code (200-213) in cbc:ResponseCode.
"""

import re
import threading
from dataclasses import dataclass
from datetime import date

from lxml import etree

# A lifecycle message is 2-10 KB; the largest legitimate ones carry optional
# attachments (CDAR MDT-96). 2 MB bounds the memory and the time of one parse
# (a few ms) for a file that arrives by mail from anybody.
MAX_XML_BYTES = 2_000_000

PEPPOL_CUSTOMIZATION = "urn:fdc:peppol.eu:poacc:trns:invoice_response:3"
# MDT-3 values of the French external specifications (FNFE schematron
# BR-FR-CDV-02): "invoice" between platforms, "einvoicingF2" towards the PPF.
FR_GUIDELINES = (
    "urn.cpro.gouv.fr:1p0:CDV:invoice",
    "urn.cpro.gouv.fr:1p0:CDV:einvoicingF2",
)

# Peppol BIS Invoice Response 3.1, code list UNCL4343-T111 ("Invoice status
# code", OpenPeppol subset of UNCL4343 D.17A) -> the addon's status keys
# (dunning.einvoice.status EINVOICE_STATUSES); None: the answer is recorded
# on its message, no status.
STATUS_OF_PEPPOL_CODE = {
    # AB and IP are recorded on their message only (the issue's "recorded
    # only"): kept as statuses, an acknowledgement dated after a refusal
    # would become the invoice's latest status and lift the refusal
    "AB": None,  # message acknowledgement: the buyer can read it
    "IP": None,  # in process in the buyer's system
    "UQ": "disputed",  # under query: halted until the seller answers
    "CA": "partially_approved",  # accepted under the conditions stated
    "RE": "refused",  # rejected: the buyer will not process it
    "AP": "approved",  # final approval, next step is payment
    "PD": "payment_transmitted",  # the buyer has initiated the payment
}
# Peppol BIS Invoice Response 3.1 code lists OPStatusReason 1.0 and
# OPStatusAction 1.0 (cbc:StatusReasonCode/@listID): their names stand for
# the reason text when the response sends only the code.
PEPPOL_STATUS_REASONS = {
    "NON": "No issue",
    "REF": "References incorrect",
    "LEG": "Legal information incorrect",
    "REC": "Receiver unknown",
    "QUA": "Item quality insufficient",
    "DEL": "Delivery issues",
    "PRI": "Prices incorrect",
    "QTY": "Quantity incorrect",
    "ITM": "Items incorrect",
    "PAY": "Payment terms incorrect",
    "UNR": "Not recognized",
    "FIN": "Finance incorrect",
    "PPD": "Partially paid",
    "OTH": "Other",
}
PEPPOL_STATUS_ACTIONS = {
    "NOA": "No action required",
    "PIN": "Provide information",
    "NIN": "Issue new invoice",
    "CNF": "Credit fully",
    "CNP": "Credit partially",
    "CNA": "Credit the amount",
    "OTH": "Other",
}
# French lifecycle statuses (external specifications v3.x, MDT-105
# ProcessConditionCode) -> the addon's status keys (EINVOICE_STATUSES of
# models/dunning_einvoice_status.py, which reads its codes here). The other
# French codes (214, 220-228, 250+, 300+, 501...) concern flows, factoring or
# the platform and carry no status of the invoice here.
STATUS_OF_FRENCH_CODE = {
    "200": "deposited",
    "201": "issued",
    "202": "received",
    "203": "made_available",
    "204": "taken_over",
    "205": "approved",
    "206": "partially_approved",
    "207": "disputed",
    "208": "suspended",
    "209": "completed",
    "210": "refused",
    "211": "payment_transmitted",
    "212": "cashed",
    "213": "rejected",
}

NS = {
    "ar": "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "rsm": "urn:un:unece:uncefact:data:standard:"
    "CrossDomainAcknowledgementAndResponse:100",
    "ram": "urn:un:unece:uncefact:data:standard:"
    "ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}
UBL_ROOT = f"{{{NS['ar']}}}ApplicationResponse"
CDAR_ROOT = f"{{{NS['rsm']}}}CrossDomainAcknowledgementAndResponse"

# Every path, with where it comes from.
# BIS = Peppol BIS Invoice Response 3.1, syntax binding (UBL 2.1
#       ApplicationResponse), as in OpenPEPPOL/poacc-upgrade-3 T111 examples.
# CDV = French external specifications v3.x lifecycle message (CDAR D22B), as
#       checked by FNFE-MPE BR-FR-CDV-Schematron-CDAR V1.2.0 (rule cited).
XPATHS = {
    # BIS: /ApplicationResponse/cbc:CustomizationID, cbc:ID, cbc:IssueDate,
    # cbc:Note
    "ubl_customization": "string(cbc:CustomizationID)",
    "ubl_id": "string(cbc:ID)",
    "ubl_issue_date": "string(cbc:IssueDate)",
    "ubl_note": "cbc:Note/text()",
    # BIS: cac:SenderParty (who answers), cac:ReceiverParty (the seller)
    "ubl_sender": "cac:SenderParty",
    "ubl_receiver": "cac:ReceiverParty",
    # BIS: cac:DocumentResponse (1..1 in BIS, 0..n in UBL 2.1)
    "ubl_responses": "cac:DocumentResponse",
    # BIS: cac:DocumentResponse/cac:Response/cbc:ResponseCode (UNCL4343-T111),
    # cbc:EffectiveDate, cbc:Description
    "ubl_code": "string(cac:Response/cbc:ResponseCode)",
    "ubl_effective_date": "string(cac:Response/cbc:EffectiveDate)",
    "ubl_description": "cac:Response/cbc:Description/text()",
    # BIS: cac:Response/cac:Status (0..n): cbc:StatusReasonCode (listID
    # OPStatusReason or OPStatusAction), cbc:StatusReason, and the
    # clarification cac:Condition/cbc:AttributeID + cbc:Description
    "ubl_statuses": "cac:Response/cac:Status",
    "ubl_status_code": "cbc:StatusReasonCode",
    "ubl_status_text": "string(cbc:StatusReason)",
    "ubl_conditions": "cac:Condition",
    "ubl_condition_attribute": "string(cbc:AttributeID)",
    "ubl_condition_text": "string(cbc:Description)",
    # BIS: cac:DocumentResponse/cac:DocumentReference/cbc:ID, cbc:IssueDate,
    # cbc:DocumentTypeCode (UNCL1001)
    "ubl_invoice": "string(cac:DocumentReference/cbc:ID)",
    "ubl_invoice_date": "string(cac:DocumentReference/cbc:IssueDate)",
    "ubl_invoice_type": "string(cac:DocumentReference/cbc:DocumentTypeCode)",
    # BIS: cac:DocumentResponse/cac:IssuerParty (the invoice's seller) and
    # cac:RecipientParty (the invoice's buyer), both optional (uc008)
    "ubl_issuer": "cac:IssuerParty",
    "ubl_recipient": "cac:RecipientParty",
    # BIS party: cbc:EndpointID/@schemeID (EAS),
    # cac:PartyIdentification/cbc:ID/@schemeID (ICD),
    # cac:PartyLegalEntity/cbc:RegistrationName or cac:PartyName/cbc:Name
    "ubl_endpoint": "cbc:EndpointID",
    "ubl_party_ids": "cac:PartyIdentification/cbc:ID"
    " | cac:PartyLegalEntity/cbc:CompanyID | cac:PartyTaxScheme/cbc:CompanyID",
    "ubl_party_name": "string((cac:PartyLegalEntity/cbc:RegistrationName"
    " | cac:PartyName/cbc:Name)[1])",
    # CDV MDG-3/MDT-3 (BR-FR-CDV-01/02):
    # rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID
    "cdar_guideline": "string(rsm:ExchangedDocumentContext"
    "/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID)",
    # CDV MDT-4 (BR-FR-CDV-03): rsm:ExchangedDocument/ram:ID
    "cdar_id": "string(rsm:ExchangedDocument/ram:ID)",
    # CDV MDG-4/MDT-8 (BR-FR-CDV-04):
    # rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString (format 204)
    "cdar_issue_date": "rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString",
    # CDV MDG-9 (BR-FR-CDV-05) sender (a platform, role WK), MDT-38..40
    # (BR-FR-CDV-07, CL-03) issuer of the message (e.g. the buyer, BY),
    # MDT-57..59 (BR-FR-CDV-08, CL-04) its recipient (e.g. the seller, SE)
    "cdar_sender": "rsm:ExchangedDocument/ram:SenderTradeParty",
    "cdar_issuer": "rsm:ExchangedDocument/ram:IssuerTradeParty",
    "cdar_recipients": "rsm:ExchangedDocument/ram:RecipientTradeParty",
    # CDV rsm:AcknowledgementDocument (MDT-77 TypeCode 23/305, BR-FR-CDV-09),
    # its ram:IssueDateTime/udt:DateTimeString (MDT-78) and its
    # ram:ReferenceReferencedDocument (MDG-33: the invoice)
    "cdar_acks": "rsm:AcknowledgementDocument",
    "cdar_ack_date": "ram:IssueDateTime/udt:DateTimeString",
    "cdar_references": "ram:ReferenceReferencedDocument",
    # CDV MDT-87 (BR-FR-CDV-10) ram:IssuerAssignedID, MDT-91 (BR-FR-04)
    # ram:TypeCode, MDG-35/MDT-100 (BR-FR-CDV-11)
    # ram:FormattedIssueDateTime/qdt:DateTimeString (format 102)
    "cdar_invoice": "string(ram:IssuerAssignedID)",
    "cdar_invoice_type": "string(ram:TypeCode)",
    "cdar_invoice_date": "ram:FormattedIssueDateTime/qdt:DateTimeString",
    # CDV MDT-105 (BR-FR-CDV-12, CL-06) ram:ProcessConditionCode
    "cdar_code": "string(ram:ProcessConditionCode)",
    # CDV MDT-129/MDT-132 (BR-FR-CDV-13, CL-07) ram:IssuerTradeParty, role
    # SE: the invoice's seller; MDT-158 (BR-FR-CDV-CL-08)
    # ram:RecipientTradeParty: the invoice's buyer
    "cdar_seller": "ram:IssuerTradeParty",
    "cdar_buyer": "ram:RecipientTradeParty",
    # CDV MDG-37 ram:SpecifiedDocumentStatus: MDT-113 ram:ReasonCode
    # (BR-FR-CDV-15, CL-09), MDT-114 ram:Reason, MDT-121
    # ram:RequestedActionCode (CL-10), MDT-122 ram:RequestedAction, MDT-126
    # ram:IncludedNote/ram:Content
    "cdar_statuses": "ram:SpecifiedDocumentStatus",
    "cdar_reason_code": "string(ram:ReasonCode)",
    "cdar_reason": "string(ram:Reason)",
    "cdar_action_code": "string(ram:RequestedActionCode)",
    "cdar_action": "string(ram:RequestedAction)",
    "cdar_note": "ram:IncludedNote/ram:Content/text()",
    # CDV party (CDAR TradeParty): ram:GlobalID/@schemeID (MDT-38, -57,
    # -129), ram:Name, ram:RoleCode, ram:URIUniversalCommunication/ram:URIID
    # /@schemeID (MDT-73: the electronic address, e.g. 0225)
    "cdar_party_ids": "ram:GlobalID | ram:ID",
    "cdar_party_name": "string(ram:Name)",
    "cdar_party_role": "string(ram:RoleCode)",
    "cdar_party_uri": "ram:URIUniversalCommunication/ram:URIID",
}

_local = threading.local()


def _xpath(name):
    """The compiled XPath ``name``, compiled once per thread (lxml's XPath
    evaluators are not meant to be shared by threads)."""
    compiled = getattr(_local, "xpaths", None)
    if compiled is None:
        compiled = _local.xpaths = {
            key: etree.XPath(path, namespaces=NS) for key, path in XPATHS.items()
        }
    return compiled[name]


def _lt(source):
    """Marks ``source`` for the translation template (Odoo's .pot export
    extracts the arguments of ``_lt`` calls): the caller translates it with
    ``_(error.reason, **error.params)``."""
    return source


class LifecycleMessageError(ValueError):
    """A file refused alone. ``str(error)`` is the reason in English;
    ``reason`` (an English text with %(name)s placeholders) and ``params``
    let the caller translate it: ``_(error.reason, **error.params)``. The
    params quote the sender's text (identifiers, codes, the XML parser's
    message): escape them where they are shown."""

    def __init__(self, reason, **params):
        self.reason = reason
        self.params = params
        super().__init__(reason % params if params else reason)


@dataclass(frozen=True)
class Party:
    endpoint_scheme: str | None  # EAS/ICD: "0009" SIRET, "0002" SIREN, ...
    endpoint_id: str | None
    siren: str | None
    siret: str | None
    vat: str | None
    name: str | None
    role: str | None = None  # CDAR RoleCode (SE, BY, WK...), if any


@dataclass(frozen=True)
class LifecycleMessage:
    family: str  # "peppol_invoice_response" | "fr_cdar" | "fr_ubl"
    message_id: str
    issue_date: date
    code: str  # as sent: "AB".."PD" or "200".."213"
    status: str | None  # the addon's status key
    effective_date: date | None
    reasons: tuple[tuple[str, str], ...]  # (code, text)
    note: str | None
    invoice_number: str
    invoice_issue_date: date | None
    invoice_type_code: str | None
    seller: Party
    buyer: Party
    sender: Party | None
    position: int = 0  # rank of this status within the document


EMPTY_PARTY = Party(None, None, None, None, None, None)

DOCTYPE_REFUSED = _lt(
    "The file declares a DOCTYPE or entities, which lifecycle messages never "
    "do: refused for safety."
)
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_:]")
_VAT = re.compile(r"^[A-Z]{2}[0-9A-Z+*.]{2,13}$")


def parse_lifecycle_messages(data):
    """The statuses ``data`` (the bytes of one XML file) carries, as a list
    of LifecycleMessage; raises LifecycleMessageError to refuse the file."""
    root = _parse_xml(data)
    if root.tag == UBL_ROOT:
        return _read_ubl(root)
    if root.tag == CDAR_ROOT:
        return _read_cdar(root)
    raise LifecycleMessageError(
        _lt(
            "Not a lifecycle message: the document is a %(root)s, not a UBL "
            "ApplicationResponse or a CDAR CrossDomainAcknowledgementAndResponse."
        ),
        root=etree.QName(root).localname,
    )


parse_lifecycle_message = parse_lifecycle_messages


# ----------------------------------------------------------------------
# Safe parsing
# ----------------------------------------------------------------------
def _parse_xml(data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not isinstance(data, bytes | bytearray | memoryview):
        raise LifecycleMessageError(_lt("The file is not XML."))
    data = bytes(data)
    if not data.strip():
        raise LifecycleMessageError(_lt("The file is empty."))
    if len(data) > MAX_XML_BYTES:
        raise LifecycleMessageError(
            _lt("The file is too large (%(size)s bytes, at most %(limit)s)."),
            size=len(data),
            limit=MAX_XML_BYTES,
        )
    # A DOCTYPE is how entities get declared (external entities, "billion
    # laughs"): no lifecycle message needs one. It can only stand before the
    # root element (a CDATA note quoting one further on is harmless). UTF-16
    # and UTF-32 text has NUL bytes between the ASCII ones: look without them.
    text = data if b"\x00" not in data[:4] else data.replace(b"\x00", b"")
    first = _FIRST_ELEMENT.search(text)
    if _DOCTYPE.search(text, 0, first.start() if first else len(text)):
        raise LifecycleMessageError(DOCTYPE_REFUSED)
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise LifecycleMessageError(
            _lt("The file is not well-formed XML: %(error)s."), error=str(error)
        ) from error
    if root is None:
        raise LifecycleMessageError(_lt("The file is not XML."))
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise LifecycleMessageError(DOCTYPE_REFUSED)
    return root


# ----------------------------------------------------------------------
# UBL ApplicationResponse: Peppol Invoice Response, French UBL form
# ----------------------------------------------------------------------
def _read_ubl(root):
    customization = _xpath("ubl_customization")(root).strip()
    if customization == PEPPOL_CUSTOMIZATION:
        family, statuses = "peppol_invoice_response", STATUS_OF_PEPPOL_CODE
    elif customization in FR_GUIDELINES:
        family, statuses = "fr_ubl", STATUS_OF_FRENCH_CODE
    else:
        raise LifecycleMessageError(
            _lt(
                "Unknown kind of ApplicationResponse (CustomizationID "
                "%(customization)s): only Peppol Invoice Responses (%(peppol)s) "
                "and French lifecycle messages are read."
            ),
            customization=customization or "-",
            peppol=PEPPOL_CUSTOMIZATION,
        )
    message_id = _message_id(_xpath("ubl_id")(root))
    issue_date = _date(_xpath("ubl_issue_date")(root))
    if not issue_date:
        raise LifecycleMessageError(
            _lt("Message %(message)s has no valid issue date (%(value)s)."),
            message=message_id,
            value=_xpath("ubl_issue_date")(root).strip()[:40] or "-",
        )
    note = _join(_xpath("ubl_note")(root))
    sender = _first(_xpath("ubl_sender")(root))
    receiver = _first(_xpath("ubl_receiver")(root))
    sender_party = _ubl_party(sender) if sender is not None else None
    receiver_party = _ubl_party(receiver) if receiver is not None else EMPTY_PARTY
    responses = _xpath("ubl_responses")(root)
    if not responses:
        raise LifecycleMessageError(
            _lt("Message %(message)s answers no invoice (no DocumentResponse)."),
            message=message_id,
        )
    messages = []
    for position, response in enumerate(responses):
        code = _xpath("ubl_code")(response).strip()
        status = _status(code, statuses, message_id)
        invoice = _invoice_number(_xpath("ubl_invoice")(response), message_id)
        reasons, clarifications = [], []
        for st in _xpath("ubl_statuses")(response):
            reason = _ubl_reason(st, family)
            if any(reason):
                reasons.append(reason)
            for condition in _xpath("ubl_conditions")(st):
                attribute = _xpath("ubl_condition_attribute")(condition).strip()
                text = _xpath("ubl_condition_text")(condition).strip()
                if attribute or text:
                    clarifications.append(f"{attribute}: {text}" if attribute else text)
        issuer = _first(_xpath("ubl_issuer")(response))
        recipient = _first(_xpath("ubl_recipient")(response))
        # The invoice's seller is its IssuerParty when named, completed by
        # the ReceiverParty (the seller's endpoint the response is sent to);
        # its buyer is the RecipientParty when named (a third party may
        # answer for the buyer, BIS uc008), else the SenderParty.
        seller = receiver_party
        if issuer is not None:
            seller = _merge(_ubl_party(issuer), receiver_party)
        buyer = sender_party or EMPTY_PARTY
        if recipient is not None:
            buyer = _ubl_party(recipient)
        messages.append(
            LifecycleMessage(
                family=family,
                message_id=message_id,
                issue_date=issue_date,
                code=code,
                status=status,
                effective_date=_date(_xpath("ubl_effective_date")(response)),
                reasons=tuple(reasons),
                note=_join(
                    [note, *_xpath("ubl_description")(response), *clarifications]
                ),
                invoice_number=invoice,
                invoice_issue_date=_date(_xpath("ubl_invoice_date")(response)),
                invoice_type_code=_xpath("ubl_invoice_type")(response).strip() or None,
                seller=seller,
                buyer=buyer,
                sender=sender_party,
                position=position,
            )
        )
    return messages


def _ubl_reason(status, family):
    """(code, text) of a cac:Status; in a Peppol response, a code sent
    without its text gets its name from the code list of its listID."""
    node = _first(_xpath("ubl_status_code")(status))
    code = (node.text or "").strip() if node is not None else ""
    text = _xpath("ubl_status_text")(status).strip()
    if code and not text and family == "peppol_invoice_response":
        names = (
            PEPPOL_STATUS_ACTIONS
            if node.get("listID") == "OPStatusAction"
            else PEPPOL_STATUS_REASONS
        )
        text = names.get(code, "")
    return code, text


def _ubl_party(node):
    identifiers = []
    endpoint = _first(_xpath("ubl_endpoint")(node))
    if endpoint is not None:
        identifiers.append((endpoint.get("schemeID"), endpoint.text))
    identifiers += [(n.get("schemeID"), n.text) for n in _xpath("ubl_party_ids")(node)]
    return _party(
        identifiers,
        name=_xpath("ubl_party_name")(node),
        endpoint=identifiers[0] if endpoint is not None else None,
    )


# ----------------------------------------------------------------------
# CDAR: the French lifecycle message
# ----------------------------------------------------------------------
def _read_cdar(root):
    guideline = _xpath("cdar_guideline")(root).strip()
    if guideline not in FR_GUIDELINES:
        raise LifecycleMessageError(
            _lt(
                "Unknown kind of CDAR message (guideline %(guideline)s): only the "
                "French invoice lifecycle messages (%(known)s) are read."
            ),
            guideline=guideline or "-",
            known=", ".join(FR_GUIDELINES),
        )
    message_id = _message_id(_xpath("cdar_id")(root))
    issue_node = _first(_xpath("cdar_issue_date")(root))
    issue_date = _cdar_date(issue_node)
    if not issue_date:
        raise LifecycleMessageError(
            _lt("Message %(message)s has no valid issue date (%(value)s)."),
            message=message_id,
            value=(issue_node is not None and (issue_node.text or "").strip()[:40])
            or "-",
        )
    sender = _first(_xpath("cdar_issuer")(root))
    if sender is None:
        sender = _first(_xpath("cdar_sender")(root))
    sender_party = _cdar_party(sender) if sender is not None else None
    recipients = [_cdar_party(n) for n in _xpath("cdar_recipients")(root)]
    # The message's recipient in the seller role (MDT-59 SE) and its issuer
    # in the buyer role (MDT-40 BY) complete the parties of the invoice
    # (MDT-129, MDT-158), or stand for them when these are absent.
    message_seller = next((p for p in recipients if p.role == "SE"), EMPTY_PARTY)
    message_buyer = (
        sender_party if sender_party and sender_party.role == "BY" else EMPTY_PARTY
    )
    messages = []
    for ack in _xpath("cdar_acks")(root):
        ack_date = _cdar_date(_first(_xpath("cdar_ack_date")(ack)))
        for reference in _xpath("cdar_references")(ack):
            code = _xpath("cdar_code")(reference).strip()
            status = _status(code, STATUS_OF_FRENCH_CODE, message_id)
            invoice = _invoice_number(_xpath("cdar_invoice")(reference), message_id)
            reasons, notes = [], []
            for st in _xpath("cdar_statuses")(reference):
                for code_key, text_key in (
                    ("cdar_reason_code", "cdar_reason"),
                    ("cdar_action_code", "cdar_action"),
                ):
                    pair = (
                        _xpath(code_key)(st).strip(),
                        _xpath(text_key)(st).strip(),
                    )
                    if any(pair):
                        reasons.append(pair)
                notes += _xpath("cdar_note")(st)
            seller = _first(_xpath("cdar_seller")(reference))
            buyer = _first(_xpath("cdar_buyer")(reference))
            messages.append(
                LifecycleMessage(
                    family="fr_cdar",
                    message_id=message_id,
                    issue_date=issue_date,
                    code=code,
                    status=status,
                    # the status's date: the acknowledgement's (MDT-78), else
                    # the message's (MDT-8)
                    effective_date=ack_date or issue_date,
                    reasons=tuple(reasons),
                    note=_join(notes),
                    invoice_number=invoice,
                    invoice_issue_date=_cdar_date(
                        _first(_xpath("cdar_invoice_date")(reference))
                    ),
                    invoice_type_code=_xpath("cdar_invoice_type")(reference).strip()
                    or None,
                    seller=_merge(_cdar_party(seller), message_seller)
                    if seller is not None
                    else message_seller,
                    buyer=_merge(_cdar_party(buyer), message_buyer)
                    if buyer is not None
                    else message_buyer,
                    sender=sender_party,
                    position=len(messages),
                )
            )
    if not messages:
        raise LifecycleMessageError(
            _lt("Message %(message)s answers no invoice (no referenced document)."),
            message=message_id,
        )
    return messages


def _cdar_party(node):
    identifiers = [(n.get("schemeID"), n.text) for n in _xpath("cdar_party_ids")(node)]
    uri = _first(_xpath("cdar_party_uri")(node))
    endpoint = None
    if uri is not None and uri.text:
        scheme, value = uri.get("schemeID"), uri.text.strip()
        if not scheme and re.match(r"^\d{4}:", value):
            scheme, value = value.split(":", 1)
        endpoint = (scheme, value)
        identifiers.append(endpoint)
    return _party(
        identifiers,
        name=_xpath("cdar_party_name")(node),
        endpoint=endpoint,
        role=_xpath("cdar_party_role")(node).strip() or None,
    )


# ----------------------------------------------------------------------
# Values
# ----------------------------------------------------------------------
def _party(identifiers, name, endpoint=None, role=None):
    """A Party of (scheme, value) identifiers: SIREN (ICD 0002), SIRET (ICD
    0009, whose first 9 digits are the SIREN), French electronic address (ICD
    0225: a SIREN or SIRET, optionally followed by _suffix), VAT (EAS 9957
    French VAT, or any value shaped like an EU VAT number)."""
    siren = siret = vat = None
    for scheme, value in identifiers:
        value = (value or "").strip()
        if not value:
            continue
        scheme = (scheme or "").strip()
        digits = value.split("_", 1)[0].replace(" ", "")
        if scheme in ("0009", "0225") and len(digits) == 14 and digits.isdigit():
            siret = siret or digits
            siren = siren or digits[:9]
        elif scheme in ("0002", "0225") and len(digits) == 9 and digits.isdigit():
            siren = siren or digits
        elif scheme == "9957" or (
            scheme.upper() in ("VA", "VAT", "") and _VAT.match(value.upper())
        ):
            vat = vat or value.upper().replace(" ", "")
        elif _VAT.match(value.upper()) and value[:2].upper() == "FR":
            vat = vat or value.upper()
    if siret and not siren:
        siren = siret[:9]
    endpoint_scheme, endpoint_id = endpoint if endpoint else (None, None)
    return Party(
        endpoint_scheme=(endpoint_scheme or "").strip() or None,
        endpoint_id=(endpoint_id or "").strip() or None,
        siren=siren,
        siret=siret,
        vat=vat,
        name=(name or "").strip() or None,
        role=role,
    )


def _merge(party, other):
    """``party`` completed by the identifiers ``other`` has and it lacks."""
    if other is EMPTY_PARTY:
        return party
    endpoint = (party.endpoint_scheme, party.endpoint_id)
    if not party.endpoint_id:
        endpoint = (other.endpoint_scheme, other.endpoint_id)
    return Party(
        endpoint_scheme=endpoint[0],
        endpoint_id=endpoint[1],
        siren=party.siren or other.siren,
        siret=party.siret or other.siret,
        vat=party.vat or other.vat,
        name=party.name or other.name,
        role=party.role or other.role,
    )


def _status(code, statuses, message_id):
    if not code:
        raise LifecycleMessageError(
            _lt("Message %(message)s carries no status code."), message=message_id
        )
    if code not in statuses:
        raise LifecycleMessageError(
            _lt(
                "Message %(message)s: unknown status code %(code)s (expected one "
                "of %(known)s)."
            ),
            message=message_id,
            code=code[:40],
            known=", ".join(statuses),
        )
    return statuses[code]


def _message_id(value):
    value = (value or "").strip()
    if not value:
        raise LifecycleMessageError(_lt("The message has no identifier."))
    return value[:256]


def _invoice_number(value, message_id):
    value = (value or "").strip()
    if not value:
        raise LifecycleMessageError(
            _lt("Message %(message)s has no invoice reference."), message=message_id
        )
    return value[:256]


def _date(value):
    """A date of an xsd:date ("2026-01-05", optionally with a time zone)."""
    value = (value or "").strip()[:10]
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _cdar_date(node):
    """The date of a UN/CEFACT DateTimeString: formats 102 (CCYYMMDD), 203
    (CCYYMMDDHHMM), 204 (CCYYMMDDHHMMSS), or an ISO value (format 205 and
    lenient senders)."""
    if node is None or not node.text:
        return None
    value = node.text.strip()
    if value[:8].isdigit():
        try:
            return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
        except ValueError:
            return None
    return _date(value)


def _first(nodes):
    return nodes[0] if nodes else None


def _join(parts):
    text = "\n".join(p.strip() for p in parts if p and p.strip())
    return text or None
