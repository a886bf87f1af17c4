# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import base64
import csv
import io

from odoo import _, fields, models
from odoo.exceptions import UserError

COLUMNS = ("invoice", "status", "date", "comment")


class DunningEinvoiceImportWizard(models.TransientModel):
    """Import e-invoicing lifecycle statuses from a CSV file exported by a
    platform: columns invoice (number), status (official code, e.g. 210),
    date (YYYY-MM-DD) and comment. Each row is recorded on its own.
    Or import lifecycle messages (Peppol Invoice Response, French reform's
    statuses): many XML files, or zips of them, at once."""

    _name = "dunning.einvoice.import.wizard"
    _description = "Import E-invoicing Lifecycle Statuses"

    file = fields.Binary(string="CSV File")
    filename = fields.Char()
    attachment_ids = fields.Many2many(
        "ir.attachment",
        "dunning_einvoice_import_wizard_attachment_rel",
        "wizard_id",
        "attachment_id",
        string="XML Files or Zips",
        help="Lifecycle messages: Peppol Invoice Responses or the French "
        "reform's lifecycle statuses, as XML files or zip archives of them.",
    )
    source = fields.Selection(
        [("import", "Import"), ("platform", "E-invoicing platform")],
        default="import",
        required=True,
    )
    state = fields.Selection([("draft", "Draft"), ("done", "Done")], default="draft")
    imported_count = fields.Integer(readonly=True)
    error_count = fields.Integer(readonly=True)
    review_count = fields.Integer(string="To Review", readonly=True)
    duplicate_count = fields.Integer(string="Already Received", readonly=True)
    result = fields.Text(readonly=True)

    def _rows(self):
        try:
            text = base64.b64decode(self.file).decode("utf-8-sig")
        except (ValueError, UnicodeDecodeError) as error:
            raise UserError(_("The file must be a UTF-8 CSV file.")) from error
        try:
            dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        reader = csv.DictReader(io.StringIO(text), dialect=dialect)
        header = [name.strip().lower() for name in reader.fieldnames or []]
        if not {"invoice", "status"} <= set(header):
            raise UserError(
                _(
                    "The file needs the columns %(columns)s.",
                    columns=", ".join(COLUMNS),
                )
            )
        reader.fieldnames = header
        return [
            {key: (row.get(key) or "").strip() for key in COLUMNS} for row in reader
        ]

    def _is_csv(self):
        if not self.file:
            return False
        head = base64.b64decode(self.file)[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
        return not (head.startswith(b"<") or head.startswith(b"PK\x03\x04"))

    def action_import(self):
        self.ensure_one()
        if self.state == "done":
            return self._reopen()
        if not self.file and not self.attachment_ids:
            raise UserError(_("Choose a CSV file, or XML files or zips."))
        if not self._is_csv():
            return self._import_messages()
        rows = self._rows()
        results = self.env["dunning.einvoice.status"]._dunning_import(
            rows, source=self.source
        )
        errors = [
            _(
                "Line %(line)s (%(invoice)s): %(error)s",
                line=res["row"] + 2,
                invoice=rows[res["row"]]["invoice"],
                error=res["error"],
            )
            for res in results
            if not res["ok"]
        ]
        self.write(
            {
                "state": "done",
                "imported_count": len(results) - len(errors),
                "error_count": len(errors),
                "result": "\n".join(errors),
            }
        )
        return self._reopen()

    def _import_messages(self):
        files = [(att.name, att.raw) for att in self.attachment_ids]
        if self.file:
            files.append((self.filename or "file.xml", base64.b64decode(self.file)))
        results = self.env["dunning.einvoice.message"]._dunning_import_files(
            files, "upload"
        )
        counts = {"applied": 0, "recorded": 0, "to_review": 0, "refused": 0}
        counts["duplicate"] = 0
        lines = []
        labels = {
            "to_review": _("to review"),
            "refused": _("refused"),
            "duplicate": _("already received"),
        }
        for res in results:
            counts[res["state"]] = counts.get(res["state"], 0) + 1
            if res["state"] in labels:
                lines.append(
                    _(
                        "%(file)s (%(invoice)s): %(state)s, %(reason)s",
                        file=res["file"],
                        invoice=res["invoice"] or "?",
                        state=labels[res["state"]],
                        reason=res["reason"],
                    )
                )
        self.write(
            {
                "state": "done",
                "imported_count": counts["applied"] + counts["recorded"],
                "review_count": counts["to_review"],
                "error_count": counts["refused"],
                "duplicate_count": counts["duplicate"],
                "result": "\n".join(lines),
            }
        )
        return self._reopen()

    def action_open_review(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_dunning_advanced.dunning_einvoice_message_action"
        )
        return action

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }
