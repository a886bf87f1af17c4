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
    date (YYYY-MM-DD) and comment. Each row is recorded on its own."""

    _name = "dunning.einvoice.import.wizard"
    _description = "Import E-invoicing Lifecycle Statuses"

    file = fields.Binary(string="CSV File", required=True)
    filename = fields.Char()
    source = fields.Selection(
        [("import", "Import"), ("platform", "E-invoicing platform")],
        default="import",
        required=True,
    )
    state = fields.Selection([("draft", "Draft"), ("done", "Done")], default="draft")
    imported_count = fields.Integer(readonly=True)
    error_count = fields.Integer(readonly=True)
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

    def action_import(self):
        self.ensure_one()
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
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }
