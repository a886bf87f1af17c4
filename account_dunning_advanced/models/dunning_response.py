# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.tools import SQL

RESPONSE_KINDS = [
    ("reply", "Email Reply"),
    ("already_paid", "Declared Paid"),
    ("promise", "Promise to Pay"),
    ("dispute", "Dispute"),
    ("payment", "Online Payment"),
    ("preference", "Channel Preference"),
    ("portal_visit", "Statement Viewed"),
]

RESPONSE_SOURCES = [
    ("email", "Email"),
    ("portal", "Customer Portal"),
    ("collector", "Collector"),
]


class DunningResponse(models.Model):
    """What a customer did after a reminder, one row per action.

    Every source of a customer response (a reply processed by the mail
    gateway, an action on the customer's reminder page, a promise or a
    dispute logged by a collector) records a row through
    :meth:`_dunning_register`, which credits it to the customer's latest
    reminder sent before it in that company. The effectiveness report counts
    these rows; nobody writes them from the interface.
    """

    _name = "dunning.response"
    _inherit = ["dunning.worklist.touch"]
    # the effectiveness report's rows read them
    _dunning_worklist_fields = (
        "partner_id",
        "company_id",
        "communication_id",
        "date",
        "kind",
        "res_model",
        "res_id",
    )
    _description = "Customer Response to a Reminder"
    _order = "date desc, id desc"
    _rec_name = "kind"

    date = fields.Datetime(required=True, readonly=True, index=True)
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, ondelete="cascade"
    )
    # a customer's responses go with it (merging customers moves them)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    communication_id = fields.Many2one(
        "dunning.communication",
        string="Reminder",
        readonly=True,
        index=True,
        ondelete="set null",
        help="The customer's latest reminder sent before the response.",
    )
    level_id = fields.Many2one(related="communication_id.level_id", store=True)
    kind = fields.Selection(RESPONSE_KINDS, required=True, readonly=True)
    source = fields.Selection(RESPONSE_SOURCES, required=True, readonly=True)
    res_model = fields.Char(string="Origin Model", readonly=True)
    res_id = fields.Many2oneReference(
        string="Origin", model_field="res_model", readonly=True
    )
    note = fields.Char(readonly=True)

    @api.model
    def _dunning_register(self, vals_list):
        """Record responses (superuser; never raises on a missing reminder).

        Each dict needs ``partner_id``, ``company_id``, ``kind`` and
        ``source``; ``date`` defaults to now and ``communication_id`` to the
        customer's latest reminder sent (or queued to be sent) in that company
        up to that date (one query for the whole batch). The customer is
        stored as its commercial entity.
        """
        if not vals_list:
            return self.browse()
        now = fields.Datetime.now()
        partners = self.env["res.partner"].browse(
            {vals["partner_id"] for vals in vals_list}
        )
        commercial = {p.id: p.commercial_partner_id.id for p in partners}
        prepared = []
        for vals in vals_list:
            vals = dict(vals)
            vals["partner_id"] = commercial[vals["partner_id"]]
            vals.setdefault("date", now)
            prepared.append(vals)
        missing = [vals for vals in prepared if not vals.get("communication_id")]
        if missing:
            keys = {(v["partner_id"], v["company_id"]) for v in missing}
            self.env["dunning.communication"].flush_model(
                ["partner_id", "company_id", "state", "sent_datetime", "date"]
            )
            rows = self.env.execute_query(
                SQL(
                    """
                    SELECT partner_id, company_id, id,
                           COALESCE(sent_datetime, date::timestamp) AS sent_at
                      FROM dunning_communication
                     WHERE state IN ('queued', 'sent')
                       AND (partner_id, company_id) IN %s
                     ORDER BY sent_at DESC, id DESC
                    """,
                    tuple(keys),
                )
            )
            sent = {}
            for partner_id, company_id, comm_id, sent_at in rows:
                sent.setdefault((partner_id, company_id), []).append((sent_at, comm_id))
            for vals in missing:
                date = fields.Datetime.to_datetime(vals["date"])
                for sent_at, comm_id in sent.get(
                    (vals["partner_id"], vals["company_id"]), []
                ):
                    if sent_at <= date:
                        vals["communication_id"] = comm_id
                        break
        # the addon's own record of what a customer did (statistics): written
        # by its hooks only, never by hand, whoever triggered them
        return self.sudo().create(prepared)

    @api.model
    def _dunning_register_records(self, records, kind):
        """Record the creation of promises or disputes as responses, in one
        batch. The source is the context's ``dunning_response_source``
        (``collector`` by default: a collector or a wizard logged what the
        customer said); a caller that records the response itself passes
        ``dunning_response_source=False``."""
        source = self.env.context.get("dunning_response_source", "collector")
        if not source:
            return self.browse()
        return self._dunning_register(
            [
                {
                    "partner_id": record.partner_id.id,
                    "company_id": record.company_id.id,
                    "communication_id": record.communication_id.id or False,
                    "kind": kind,
                    "source": source,
                    "res_model": record._name,
                    "res_id": record.id,
                }
                for record in records
                if record.partner_id
            ]
        )
