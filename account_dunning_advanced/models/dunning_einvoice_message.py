# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Lifecycle messages received from e-invoicing platforms and Peppol access
points (Invoice Response, the French reform's statuses): one importer for the
mail alias, the upload dialog and JSON-RPC. Each file is parsed once, the
messages of a whole batch are matched to their invoices with a few queries,
and the statuses they carry are created in batch."""

import base64
import binascii
import io
import logging
import re
import zipfile
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, index_exists

from ..tools import einvoice_messages
from .dunning_einvoice_status import COLLECTOR_GROUP, EINVOICE_STATUSES

_logger = logging.getLogger(__name__)

MESSAGE_STATES = [
    ("to_review", "To Review"),
    ("applied", "Applied"),
    ("recorded", "Recorded"),
    ("refused", "Refused"),
    ("discarded", "Discarded"),
]
CHANNELS = [("mail", "Email"), ("upload", "Upload"), ("rpc", "JSON-RPC")]
# What a received message is: kept as it came, only the code moves it on.
PROTECTED_FIELDS = {
    "state",
    "reason",
    "company_id",
    "message_ref",
    "sender_key",
    "message_position",
    "family",
    "code",
    "status",
    "issue_date",
    "effective_date",
    "invoice_number",
    "invoice_date",
    "seller_identifiers",
    "buyer_identifiers",
    "comment",
    "channel",
    "filename",
    "email_message_id",
}
MAX_FILE_SIZE = "account_dunning_advanced.einvoice_max_file_size"
MAX_FILE_SIZE_DEFAULT = 1024 * 1024
MAX_ARCHIVE_SIZE = "account_dunning_advanced.einvoice_max_archive_size"
MAX_ARCHIVE_SIZE_DEFAULT = 200 * 1024 * 1024
MAX_ARCHIVE_MEMBERS = 50000
# Peppol participant identifier schemes (ICD / EAS code list, OpenPeppol
# "Peppol Code Lists - Participant identifier schemes" v9) that carry a French
# company identifier or a VAT number: 0009 SIRET, 0002 SIREN, 9957 French VAT;
# 0225 is the French reform's routing identifier (SIREN, then a suffix).
SCHEME_SIRET = "0009"
SCHEME_SIREN = ("0002", "0225")
SCHEME_VAT = ("9957",)


def _norm(value):
    return re.sub(r"[^0-9A-Z]", "", str(value or "").upper())


def _identifiers(
    vat=None, registry=None, siret=None, siren=None, eas=None, endpoint=None
):
    """{kind: value} of a party, normalised so that a SIRET gives its SIREN and
    a Peppol endpoint gives the identifier its scheme carries."""
    found = {}
    vat, registry, siret, siren = map(_norm, (vat, registry, siret, siren))
    eas, endpoint = _norm(eas), _norm(endpoint)
    if endpoint:
        found["endpoint"] = f"{eas}:{endpoint}"
        if eas == SCHEME_SIRET:
            siret = siret or endpoint
        elif eas in SCHEME_SIREN:
            siren = siren or endpoint[:9]
        elif eas in SCHEME_VAT:
            vat = vat or endpoint
    if registry.isdigit() and len(registry) == 14:
        siret = siret or registry
    elif registry.isdigit() and len(registry) == 9:
        siren = siren or registry
    if siret:
        found["siret"] = siret
        siren = siren or siret[:9]
    if siren:
        found["siren"] = siren
    if vat:
        found["vat"] = vat
    return found


def _compare(ours, theirs):
    """True: one identifier in common; False: comparable but all differ;
    None: nothing to compare."""
    common = set(ours) & set(theirs)
    if not common:
        return None
    return any(ours[kind] == theirs[kind] for kind in common)


def _party_identifiers(party):
    if not party:
        return {}
    return _identifiers(
        vat=getattr(party, "vat", None),
        siret=getattr(party, "siret", None),
        siren=getattr(party, "siren", None),
        eas=getattr(party, "endpoint_scheme", None),
        endpoint=getattr(party, "endpoint_id", None),
    )


def _email_bytes(content):
    """The bytes of an attachment the mail gateway decoded to text (it reads
    XML attachments as text): encoded back as its XML declaration says."""
    if not isinstance(content, str):
        return content
    declared = re.match(r"\s*<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]+)", content)
    try:
        return content.encode(declared.group(1) if declared else "utf-8")
    except (LookupError, UnicodeEncodeError):
        return content.encode("utf-8")


def _party_label(party):
    if not party:
        return False
    parts = []
    if getattr(party, "name", None):
        parts.append(party.name)
    if getattr(party, "endpoint_id", None):
        parts.append(f"{party.endpoint_scheme or ''}:{party.endpoint_id}")
    for kind in ("siret", "siren", "vat"):
        if getattr(party, kind, None):
            parts.append(f"{kind.upper()} {getattr(party, kind)}")
    return ", ".join(parts) or False


class DunningEinvoiceMessage(models.Model):
    """A lifecycle message received from a platform: applied to its invoice
    as a lifecycle status, recorded, waiting for review, or refused."""

    _name = "dunning.einvoice.message"
    _inherit = ["mail.thread"]
    _description = "Received E-invoicing Lifecycle Message"
    _order = "id desc"
    _check_company_auto = True
    _rec_name = "name"

    name = fields.Char(compute="_compute_name", store=True)
    state = fields.Selection(
        MESSAGE_STATES, required=True, default="to_review", index=True, readonly=True
    )
    reason = fields.Text(
        readonly=True, help="Why the message waits for review or was refused."
    )
    company_id = fields.Many2one(
        "res.company",
        string="Receiving Company",
        required=True,
        index=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        index="btree_not_null",
        check_company=True,
        domain=[
            ("move_type", "in", ("out_invoice", "out_receipt")),
            ("state", "=", "posted"),
        ],
    )
    status_ids = fields.One2many(
        "dunning.einvoice.status", "message_id", string="Recorded Status"
    )
    message_ref = fields.Char(string="Message ID", readonly=True)
    message_position = fields.Integer(
        string="Position", readonly=True, help="Rank of the status in its document."
    )
    sender_key = fields.Char(
        string="Sender",
        readonly=True,
        required=True,
        default="",
        help="The sender's endpoint or identifier, with the message ID the key "
        "of a message received twice.",
    )
    family = fields.Char(readonly=True)
    code = fields.Char(readonly=True)
    status = fields.Selection(EINVOICE_STATUSES, readonly=True)
    issue_date = fields.Date(readonly=True)
    effective_date = fields.Date(readonly=True)
    invoice_number = fields.Char(readonly=True, index="btree_not_null")
    invoice_date = fields.Date(string="Invoice Date (message)", readonly=True)
    seller_identifiers = fields.Char(string="Seller", readonly=True)
    buyer_identifiers = fields.Char(string="Buyer", readonly=True)
    comment = fields.Text(string="Reasons", readonly=True)
    channel = fields.Selection(CHANNELS, readonly=True)
    filename = fields.Char(string="File", readonly=True)
    email_message_id = fields.Char(string="Email Message-Id", readonly=True)

    @api.depends("message_ref", "filename", "invoice_number")
    def _compute_name(self):
        for message in self:
            message.name = (
                " / ".join(
                    part
                    for part in (message.invoice_number, message.message_ref)
                    if part
                )
                or message.filename
                or _("Unreadable message")
            )

    def init(self):
        # the same message (its own identifier, from the same sender) is
        # applied once per receiving company, even under concurrency; a refused
        # message (unreadable, unknown code) may come again once corrected
        if not index_exists(self.env.cr, "dunning_einvoice_message_unique_ref"):
            self.env.cr.execute(
                SQL(
                    """
                    CREATE UNIQUE INDEX dunning_einvoice_message_unique_ref
                        ON dunning_einvoice_message
                           (company_id, sender_key, message_ref, message_position)
                     WHERE message_ref IS NOT NULL AND state != 'refused'
                    """
                )
            )

    def write(self, vals):
        if PROTECTED_FIELDS & set(vals):
            raise UserError(
                _(
                    "A received lifecycle message is kept as it came: pick its "
                    "invoice and apply it, or discard it."
                )
            )
        if "move_id" in vals and any(m.state != "to_review" for m in self):
            raise UserError(
                _("Only a message waiting for review may change its invoice.")
            )
        return super().write(vals)

    def _dunning_set(self, vals):
        """The importer's own writes, past the protection of ``write``."""
        return super().write(vals)

    # ------------------------------------------------------------------
    # Entry points
    # ------------------------------------------------------------------
    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """An email to the alias: every XML attachment (zipped or not) is
        imported for the alias's company (its default ``company_id``, else the
        gateway user's company). Returns the first message record, on which
        Odoo posts the email; the others carry the email's Message-Id."""
        # The mail gateway routes here as superuser (mail.thread
        # _message_route_process): this is the boundary where the platform's
        # email enters; matching is restricted to the receiving company below.
        values = dict(custom_values or {})
        company = self.env["res.company"].browse(
            values.get("company_id") or self.env.company.id
        )
        files = []
        for attachment in msg_dict.get("attachments") or []:
            content = _email_bytes(attachment.content) or b""
            # a signature's logo or the kept original email is no message
            if attachment.fname != "original_email.eml" and (
                content.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"<", b"PK\x03\x04"))
            ):
                files.append((attachment.fname, content))
        importer = self.with_company(company).with_context(
            dunning_einvoice_email=msg_dict.get("message_id") or False
        )
        results = importer._dunning_import_files(files, "mail", company)
        records = self.browse([r["record_id"] for r in results if r.get("record_id")])
        if not records:
            records = importer._dunning_create_messages(
                [
                    {
                        "state": "refused",
                        "reason": _(
                            "The email carries no lifecycle message (XML "
                            "file or zip of XML files)."
                        ),
                        "company_id": company.id,
                        "channel": "mail",
                        "filename": msg_dict.get("subject") or False,
                        "email_message_id": msg_dict.get("message_id") or False,
                    }
                ]
            )
        return records[:1]

    def message_update(self, msg_dict, update_vals=None):
        """A reply to a message's email thread: its attachments are new
        messages, imported like a new email."""
        self.ensure_one()
        self.message_new(msg_dict, {"company_id": self.company_id.id})
        return True

    @api.model
    def dunning_import_xml(self, files):
        """JSON-RPC entry point of the platforms' feeds: ``files`` is a list of
        {"filename", "content" (base64 of an XML file or a zip of them)}.
        Imports them for the user's allowed companies and returns one result
        per message (per file when a file is unreadable): {"file", "state",
        "reason", "message_ref", "invoice", "record_id"}."""
        self._dunning_check_importer()
        decoded = []
        errors = []
        for index, item in enumerate(files or []):
            name = (
                str((item or {}).get("filename") or f"file{index + 1}")
                if isinstance(item, dict)
                else f"file{index + 1}"
            )
            try:
                content = base64.b64decode(item["content"], validate=True)
            except (TypeError, KeyError, ValueError, binascii.Error):
                errors.append(
                    {
                        "file": name,
                        "state": "refused",
                        "reason": _("The content must be base64."),
                        "message_ref": "",
                        "invoice": "",
                        "record_id": False,
                    }
                )
                continue
            decoded.append((name, content))
        return errors + self._dunning_import_files(decoded, "rpc")

    # ------------------------------------------------------------------
    # The importer
    # ------------------------------------------------------------------
    def _dunning_check_importer(self):
        if self.env.su:
            return
        if not self.env.user.has_group(COLLECTOR_GROUP):
            raise AccessError(_("Only dunning users may import lifecycle statuses."))

    @api.model
    def _dunning_import_files(self, files, channel, company=None):
        """Import ``files`` ([(filename, bytes)], XML or zip) received by
        ``channel`` for ``company`` (default: the user's allowed companies).
        Each file or message is refused alone; returns one result per message
        or unreadable file."""
        self._dunning_check_importer()
        companies = company or self.env.companies
        entries = []
        for name, content in files:
            entries.extend(self._dunning_expand(name, content))
        parsed = []
        for name, content, error in entries:
            if error:
                parsed.append((name, None, error))
                continue
            try:
                messages = einvoice_messages.parse_lifecycle_messages(content)
            except einvoice_messages.LifecycleMessageError as exc:
                # the parser's reasons are marked for translation (its _lt)
                parsed.append((name, None, _(exc.reason, **exc.params)))
                continue
            for message in messages:
                parsed.append((name, message, None))
        return self._dunning_import_parsed(parsed, channel, companies)

    @api.model
    def _dunning_max(self, key, default):
        value = self.env["ir.config_parameter"].sudo().get_param(key)
        try:
            return int(value) if value else default
        except ValueError:
            return default

    @api.model
    def _dunning_expand(self, name, content):
        """[(name, bytes, error)] of the XML files in ``content``: itself, or
        the members of a zip, each within the size limits."""
        if isinstance(content, str):
            content = content.encode()
        max_file = self._dunning_max(MAX_FILE_SIZE, MAX_FILE_SIZE_DEFAULT)
        content = content or b""
        if not content.startswith(b"PK\x03\x04"):
            if len(content) > max_file:
                return [(name, None, self._too_big(max_file))]
            return [(name, content, None)]
        max_total = self._dunning_max(MAX_ARCHIVE_SIZE, MAX_ARCHIVE_SIZE_DEFAULT)
        try:
            archive = zipfile.ZipFile(io.BytesIO(content))
            members = [m for m in archive.infolist() if not m.is_dir()]
        except (zipfile.BadZipFile, ValueError, OSError):
            return [(name, None, _("The zip archive is damaged."))]
        if len(members) > MAX_ARCHIVE_MEMBERS:
            return [
                (
                    name,
                    None,
                    _(
                        "The zip holds more than %(count)s files.",
                        count=MAX_ARCHIVE_MEMBERS,
                    ),
                )
            ]
        result, total = [], 0
        for member in members:
            label = f"{name}/{member.filename}"
            if member.filename.startswith("__MACOSX/"):
                continue
            if member.file_size > max_file:
                result.append((label, None, self._too_big(max_file)))
                continue
            try:
                with archive.open(member) as stream:
                    # the declared size may lie: never read past the limit
                    data = stream.read(max_file + 1)
            except (zipfile.BadZipFile, RuntimeError, ValueError, OSError, EOFError):
                result.append((label, None, _("This file of the zip is damaged.")))
                continue
            if len(data) > max_file:
                result.append((label, None, self._too_big(max_file)))
                continue
            total += len(data)
            if total > max_total:
                result.append(
                    (label, None, _("The zip expands past its size limit: ignored."))
                )
                break
            if data.startswith(b"PK\x03\x04"):
                result.append((label, None, _("A zip inside a zip is not read.")))
                continue
            result.append((label, data, None))
        return result

    @api.model
    def _too_big(self, limit):
        return _("The file is larger than %(size)s kB.", size=limit // 1024)

    @api.model
    def _dunning_import_parsed(self, parsed, channel, companies):
        """Match, deduplicate, record and apply the parsed messages
        ([(filename, LifecycleMessage or None, error)]) of one batch."""
        email = self.env.context.get("dunning_einvoice_email") or False
        default_company = companies[:1] if len(companies) == 1 else self.env.company
        if default_company not in companies:
            default_company = companies[:1]
        messages = [msg for _name, msg, _error in parsed if msg]
        matches = self._dunning_match(messages, companies)
        vals_list = []
        for (name, message, _error), match in zip(
            [p for p in parsed if p[1]], matches, strict=True
        ):
            vals_list.append(
                self._dunning_message_values(message, match, name, channel, email)
            )
        for name, message, error in parsed:
            if not message:
                vals_list.append(
                    {
                        "state": "refused",
                        "reason": error,
                        "company_id": default_company.id,
                        "channel": channel,
                        "filename": name,
                        "email_message_id": email,
                    }
                )
        vals_list, duplicates = self._dunning_drop_duplicates(vals_list)
        records = self._dunning_create_messages(vals_list)
        records.filtered(lambda m: m.state == "applied")._dunning_apply()
        results = [
            {
                "file": message.filename,
                "state": message.state,
                "reason": message.reason or "",
                "message_ref": message.message_ref or "",
                "invoice": message.move_id.name or message.invoice_number or "",
                "record_id": message.id,
            }
            for message in records
        ]
        results.extend(duplicates)
        return results

    @api.model
    def _dunning_message_values(self, message, match, name, channel, email):
        move, company, state, reason = match
        status = message.status if message.status in dict(EINVOICE_STATUSES) else False
        if state == "matched":
            state = "applied" if status else "recorded"
        # the party that sent the answer: the buyer, or its platform
        sender_ids = _party_identifiers(message.sender) or _party_identifiers(
            message.buyer
        )
        sender_key = next(
            (
                sender_ids[k]
                for k in ("endpoint", "siret", "siren", "vat")
                if k in sender_ids
            ),
            "",
        )
        comment = "\n".join(
            [
                ": ".join(part for part in reason if part)
                for reason in message.reasons or ()
            ]
            + ([message.note] if message.note else [])
        )
        return {
            "state": state,
            "reason": reason or False,
            "company_id": company.id,
            "move_id": move.id if move else False,
            "message_ref": message.message_id or False,
            "message_position": message.position or 0,
            "sender_key": sender_key,
            "family": message.family or False,
            "code": message.code or False,
            "status": status,
            "issue_date": message.issue_date or False,
            "effective_date": message.effective_date or False,
            "invoice_number": message.invoice_number or False,
            "invoice_date": message.invoice_issue_date or False,
            "seller_identifiers": _party_label(message.seller),
            "buyer_identifiers": _party_label(message.buyer),
            "comment": comment or False,
            "channel": channel,
            "filename": name,
            "email_message_id": email,
        }

    @api.model
    def _dunning_drop_duplicates(self, vals_list):
        """(vals to create, duplicate results): a message already received
        (same company, sender and identifier), in this batch or before. The
        unique index stays the guard against a concurrent import."""
        keyed = [
            self._dunning_key(v)
            for v in vals_list
            if v.get("message_ref") and v["state"] != "refused"
        ]
        known = {}
        if keyed:
            self.env.cr.execute(
                SQL(
                    """
                    SELECT company_id, sender_key, message_ref, message_position,
                           id, state
                      FROM dunning_einvoice_message
                     WHERE message_ref = ANY(%s) AND state != 'refused'
                    """,
                    list({key[2] for key in keyed}),
                )
            )
            known = {row[:4]: row[4:] for row in self.env.cr.fetchall()}
        labels = dict(MESSAGE_STATES)
        kept, duplicates, seen = [], [], set()
        for vals in vals_list:
            key = self._dunning_key(vals)
            if not vals.get("message_ref") or vals["state"] == "refused":
                kept.append(vals)
                continue
            if key in known or key in seen:
                record_id, state = known.get(key, (False, vals["state"]))
                duplicates.append(
                    {
                        "file": vals["filename"],
                        "state": "duplicate",
                        "reason": _(
                            "Already received (%(state)s): applied once.",
                            state=labels.get(state, state),
                        ),
                        "message_ref": vals["message_ref"],
                        "invoice": vals.get("invoice_number") or "",
                        "record_id": record_id,
                    }
                )
                continue
            seen.add(key)
            kept.append(vals)
        return kept, duplicates

    @api.model
    def _dunning_key(self, vals):
        return (
            vals["company_id"],
            vals.get("sender_key") or "",
            vals.get("message_ref"),
            vals.get("message_position") or 0,
        )

    @api.model
    def _dunning_create_messages(self, vals_list):
        """Create the message records in one batch; when the batch fails (a
        concurrent import of the same message), one by one, a duplicate then
        being skipped."""
        quiet = self.with_context(
            tracking_disable=True, mail_create_nolog=True, mail_create_nosubscribe=True
        )
        if not vals_list:
            return self.browse()
        try:
            with self.env.cr.savepoint():
                return quiet.create(vals_list)
        except Exception:  # noqa: BLE001 - retried one by one below
            _logger.info("Lifecycle messages: batch create failed, one by one")
        records = self.browse()
        for vals in vals_list:
            try:
                with self.env.cr.savepoint():
                    records |= quiet.create([vals])
            except Exception:  # noqa: BLE001 - this message alone is skipped
                _logger.info(
                    "Lifecycle message %s not recorded (received twice at once?)",
                    vals.get("message_ref"),
                    exc_info=True,
                )
        return records

    # ------------------------------------------------------------------
    # Matching
    # ------------------------------------------------------------------
    @api.model
    def _dunning_company_identifiers(self):
        """{company: identifiers} of every company of the database: a
        message naming another company's identifiers is refused."""
        # sudo: the identifiers of the companies the user may not open, read
        # only to tell "another company's invoice" from "no such invoice"
        companies = self.env["res.company"].sudo().search([])
        partner_fields = self.env["res.partner"]._fields
        result = {}
        for company in companies:
            partner = company.partner_id
            result[company.id] = _identifiers(
                vat=partner.vat,
                registry=partner.company_registry,
                siret=partner.siret if "siret" in partner_fields else None,
                eas=partner.peppol_eas if "peppol_eas" in partner_fields else None,
                endpoint=partner.peppol_endpoint
                if "peppol_endpoint" in partner_fields
                else None,
            )
        return result

    @api.model
    def _dunning_candidate_invoices(self, numbers, companies):
        """{number: [(move id, company id, invoice date, buyer identifiers)]}
        of the posted customer invoices of ``companies`` the user may read,
        in one query."""
        if not numbers:
            return {}
        query = self.env["account.move"]._search(
            [
                ("name", "in", list(numbers)),
                ("move_type", "in", ("out_invoice", "out_receipt")),
                ("state", "=", "posted"),
                ("company_id", "in", companies.ids),
            ]
        )
        partner_fields = self.env["res.partner"]._fields
        optional = [
            SQL.identifier("p", name) if name in partner_fields else SQL("NULL")
            for name in ("siret", "peppol_eas", "peppol_endpoint")
        ]
        self.env.cr.execute(
            SQL(
                """
                SELECT m.id, m.name, m.company_id, m.invoice_date,
                       p.vat, p.company_registry, %s, %s, %s
                  FROM account_move m
                  JOIN res_partner p ON p.id = m.commercial_partner_id
                 WHERE m.id IN %s
                """,
                *optional,
                query.subselect(),
            )
        )
        found = defaultdict(list)
        for row in self.env.cr.fetchall():
            move_id, name, company_id, day, vat, registry, siret, eas, endpoint = row
            found[name].append(
                (
                    move_id,
                    company_id,
                    day,
                    _identifiers(
                        vat=vat,
                        registry=registry,
                        siret=siret,
                        eas=eas,
                        endpoint=endpoint,
                    ),
                )
            )
        return found

    @api.model
    def _dunning_match(self, messages, companies):
        """One (invoice, company, state, reason) per message, state "matched",
        "to_review" or "refused"; a few queries for the whole batch."""
        all_ids = self._dunning_company_identifiers()
        names = {c.id: c.name for c in self.env["res.company"].sudo().browse(all_ids)}
        numbers = {msg.invoice_number.strip() for msg in messages if msg.invoice_number}
        candidates = self._dunning_candidate_invoices(numbers, companies)
        Move = self.env["account.move"]
        Company = self.env["res.company"]
        fallback = self.env.company if self.env.company in companies else companies[:1]
        result = []
        for msg in messages:
            seller = _party_identifiers(msg.seller)
            verdicts = {
                c.id: _compare(all_ids.get(c.id, {}), seller) for c in companies
            }
            receiving = [cid for cid, ok in verdicts.items() if ok is not False]
            confirmed = [cid for cid, ok in verdicts.items() if ok]
            if confirmed:
                receiving = confirmed
            company = Company.browse(
                receiving[0] if len(receiving) == 1 else fallback.id
            )
            if not receiving:
                others = [
                    names[cid]
                    for cid, ids in all_ids.items()
                    if cid not in companies.ids and _compare(ids, seller)
                ]
                # outside _(): an f-string among its arguments hides the call
                # from the translation export
                other = f": {others[0]}" if others else ""
                result.append(
                    (
                        None,
                        fallback,
                        "refused",
                        _(
                            "The message is for another company's invoice "
                            "(seller %(seller)s%(other)s).",
                            seller=_party_label(msg.seller) or "",
                            other=other,
                        ),
                    )
                )
                continue
            number = (msg.invoice_number or "").strip()
            if not number:
                result.append(
                    (None, company, "to_review", _("The message names no invoice."))
                )
                continue
            found = [c for c in candidates.get(number, []) if c[1] in receiving]
            buyer = _party_identifiers(msg.buyer)
            same_buyer = [c for c in found if _compare(c[3], buyer) is not False]
            same_date = [
                c
                for c in same_buyer
                if not msg.invoice_issue_date
                or not c[2]
                or c[2] == msg.invoice_issue_date
            ]
            if len(same_date) == 1:
                move_id, company_id = same_date[0][:2]
                result.append(
                    (Move.browse(move_id), Company.browse(company_id), "matched", False)
                )
                continue
            if len(same_date) > 1:
                reason = _(
                    "%(count)s invoices numbered %(number)s match: pick the right one.",
                    count=len(same_date),
                    number=number,
                )
            elif same_buyer:
                reason = _(
                    "Invoice %(number)s is dated %(date)s, the message says %(msg)s.",
                    number=number,
                    date=same_buyer[0][2],
                    msg=msg.invoice_issue_date,
                )
            elif found:
                reason = _(
                    "Invoice %(number)s was found, but its customer does not match "
                    "the buyer of the message (%(buyer)s).",
                    number=number,
                    buyer=_party_label(msg.buyer) or "",
                )
            else:
                reason = _(
                    "No posted customer invoice numbered %(number)s in %(company)s.",
                    number=number,
                    company=", ".join(names.get(cid, "") for cid in receiving),
                )
            if len({c[1] for c in (same_date or found)}) == 1:
                company = Company.browse((same_date or found)[0][1])
            result.append((None, company, "to_review", reason))
        return result

    # ------------------------------------------------------------------
    # Applying
    # ------------------------------------------------------------------
    def _dunning_status_values(self):
        self.ensure_one()
        return {
            "move_id": self.move_id.id,
            "status": self.status,
            "date": self.effective_date
            or self.issue_date
            or fields.Date.context_today(self),
            "comment": self.comment or False,
            "source": "platform",
            "message_id": self.id,
        }

    def _dunning_apply(self):
        """Record the statuses of these matched messages in one batch (one by
        one only when the batch fails); a message whose status is refused by
        the invoice goes to "refused" with the reason."""
        if not self:
            return
        outcome = self.env["dunning.einvoice.status"]._dunning_create_batch(
            [message._dunning_status_values() for message in self]
        )
        for message, (status, error) in zip(self, outcome, strict=True):
            if not status:
                message._dunning_set({"state": "refused", "reason": error})

    def action_apply(self):
        """Apply the messages waiting for review whose invoice the collector
        picked; a second click finds them applied already."""
        self._dunning_check_importer()
        self.check_access("write")
        if not self:
            return True
        self.env.cr.execute(
            SQL(
                """
                SELECT id FROM dunning_einvoice_message
                 WHERE id = ANY(%s) AND state = 'to_review'
                   FOR UPDATE
                """,
                self.ids,
            )
        )
        pending = self.browse([row[0] for row in self.env.cr.fetchall()])
        self.invalidate_recordset(["state"])
        if not pending:
            return True
        missing = pending.filtered(lambda m: not m.move_id)
        if missing:
            raise UserError(
                _(
                    "Pick the invoice of %(names)s before applying.",
                    names=", ".join(missing.mapped("name")),
                )
            )
        with_status = pending.filtered("status")
        (pending - with_status)._dunning_set({"state": "recorded", "reason": False})
        with_status._dunning_set({"state": "applied", "reason": False})
        with_status._dunning_apply()
        for message in pending:
            message.message_post(
                body=_("Applied to %(invoice)s.", invoice=message.move_id.name)
            )
        return True

    def action_discard(self):
        self._dunning_check_importer()
        self.check_access("write")
        pending = self.filtered(lambda m: m.state == "to_review")
        pending._dunning_set({"state": "discarded"})
        return True

    def action_open_invoice(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": self.move_id.id,
            "view_mode": "form",
        }
