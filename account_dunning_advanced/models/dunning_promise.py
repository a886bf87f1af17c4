# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, split_every

BATCH_SIZE = 200


class DunningPromise(models.Model):
    """A customer's promise to pay an amount by a date: while it is open, the
    planner holds the customer's reminders back until the date plus grace
    (``paused_until``), then the promise is kept or broken. It never touches
    the collector's own pause of the customer."""

    _name = "dunning.promise"
    _description = "Promise to Pay"
    _inherit = [
        "mail.thread",
        "dunning.customer.reply.mixin",
        "dunning.worklist.touch",
    ]
    _dunning_worklist_fields = (
        "partner_id",
        "company_id",
        "state",
        "date",
        "paused_until",
    )
    _order = "date desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        domain=[("is_company", "=", True)],
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_currency_id",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        help="The currency of the invoices promised: a promise for invoices in "
        "a foreign currency is counted in that currency.",
    )
    date = fields.Date(string="Promised Date", required=True, tracking=True)
    amount = fields.Monetary(
        string="Promised Amount",
        currency_field="currency_id",
        required=True,
    )
    note = fields.Text()
    state = fields.Selection(
        [
            ("open", "Open"),
            ("kept", "Kept"),
            ("broken", "Broken"),
            ("cancelled", "Cancelled"),
        ],
        default="open",
        required=True,
        tracking=True,
        index=True,
    )
    user_id = fields.Many2one(
        "res.users", string="Recorded By", default=lambda self: self.env.user
    )
    communication_id = fields.Many2one(
        "dunning.communication", string="Reminder", check_company=True
    )
    activity_id = fields.Many2one("mail.activity", string="Call", ondelete="set null")
    paused_until = fields.Date(
        string="Reminders Paused Until",
        readonly=True,
        help="The promised date plus the grace days.",
    )
    amount_collected = fields.Monetary(
        currency_field="currency_id",
        compute="_compute_amount_collected",
        help="Customer payments and credit notes reconciled since the promise.",
    )

    @api.depends("company_id")
    def _compute_currency_id(self):
        for promise in self:
            promise.currency_id = promise.company_id.currency_id

    @api.depends("partner_id", "create_date", "currency_id")
    def _compute_amount_collected(self):
        collected = self._collected_amounts()
        for promise in self:
            promise.amount_collected = collected.get(promise.id, 0.0)

    def init(self):
        # one open promise per customer and company, even from two requests
        # at once (a customer's form sent twice): the database refuses the
        # second
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS dunning_promise_open_partner_uniq
            ON dunning_promise (partner_id, company_id) WHERE state = 'open'
            """
        )

    @api.model
    def _dunning_open_duplicates(self, vals):
        return self.search(
            [
                ("partner_id", "=", vals.get("partner_id")),
                ("company_id", "=", vals.get("company_id") or self.env.company.id),
                ("state", "=", "open"),
            ],
            limit=1,
        )

    @api.model_create_multi
    def create(self, vals_list):
        # a collector records the customer's new word: it replaces the open
        # promise (the customer's page answers with the open one instead)
        for vals in vals_list:
            if vals.get("state", "open") == "open":
                replaced = self._dunning_open_duplicates(vals)
                replaced._close("cancelled")
                # before the new one, for the unique index
                replaced.flush_recordset(["state"])
        promises = super(
            DunningPromise, self.with_context(mail_create_nolog=True)
        ).create(vals_list)
        promises._set_paused_until()
        self.env["dunning.response"]._dunning_register_records(promises, "promise")
        if not self.env.context.get("dunning_calls_closed_by_caller"):
            # the calls about what is promised now are not needed any more
            for company, group in promises.grouped("company_id").items():
                self.env["dunning.channel.call"]._close_settled(
                    company, group.partner_id.ids
                )
        for promise in promises:
            promise.partner_id._dunning_post(
                _(
                    "Promise to pay %(amount)s by %(date)s: reminders paused "
                    "until %(until)s.",
                    amount=promise._amount_label(),
                    date=promise.date,
                    until=promise.paused_until,
                )
            )
        return promises

    def _amount_label(self):
        self.ensure_one()
        return self.currency_id.format(self.amount)

    def _set_paused_until(self):
        for promise in self:
            partner = promise.partner_id.with_company(promise.company_id)
            promise.paused_until = promise.date + timedelta(
                days=partner._dunning_grace_days()
            )

    def _collected_amounts(self):
        """{promise id: amount of the customer's payments and credit notes
        reconciled since the promise was recorded, in the promise's currency:
        for a promise in a foreign currency, what they paid of the invoices in
        that currency}."""
        promises = self.filtered("id")
        if not promises:
            return {}
        self.env["account.partial.reconcile"].flush_model()
        self.env["account.move.line"].flush_model(
            ["partner_id", "account_id", "company_id"]
        )
        self.flush_model(["partner_id", "company_id", "currency_id"])
        self.env.cr.execute(
            SQL(
                """
                SELECT promise.id,
                       SUM(CASE
                           WHEN promise.currency_id = comp.currency_id
                               THEN apr.amount
                           WHEN apr.debit_currency_id = promise.currency_id
                               THEN apr.debit_amount_currency
                           ELSE 0 END)
                  FROM dunning_promise promise
                  JOIN res_company comp ON comp.id = promise.company_id
                  JOIN res_partner p ON p.commercial_partner_id = promise.partner_id
                  JOIN account_move_line credit
                    ON credit.partner_id = p.id
                   AND credit.company_id = promise.company_id
                  JOIN account_account acc ON acc.id = credit.account_id
                  JOIN account_partial_reconcile apr
                    ON apr.credit_move_id = credit.id
                 WHERE promise.id IN %(ids)s
                   AND acc.account_type = 'asset_receivable'
                   AND apr.create_date >= promise.create_date
                 GROUP BY promise.id
                """,
                ids=tuple(promises.ids),
            )
        )
        return dict(self.env.cr.fetchall())

    def action_cancel(self):
        self.filtered(lambda p: p.state == "open")._close("cancelled")

    def action_mark_kept(self):
        self.filtered(lambda p: p.state == "open")._close("kept")

    def _close(self, state):
        self.write({"state": state})

    @api.model
    def _cron_check_promises(self, today=None):
        """Close the open promises whose grace is over, a batch at a time."""
        today = today or fields.Date.context_today(self)
        promises = self.search([("state", "=", "open"), ("paused_until", "<", today)])
        done = 0
        for batch in split_every(BATCH_SIZE, promises.ids, self.browse):
            batch._check_kept_or_broken()
            done += len(batch)
            self.env["ir.cron"]._notify_progress(
                done=done, remaining=len(promises) - done
            )
        return promises

    def _check_kept_or_broken(self):
        collected = self._collected_amounts()
        currency_compare = {
            promise: promise.currency_id.compare_amounts(
                collected.get(promise.id, 0.0), promise.amount
            )
            for promise in self
        }
        kept = self.filtered(lambda p: currency_compare[p] >= 0)
        broken = self - kept
        kept._close("kept")
        broken._close("broken")
        for promise in broken:
            promise._notify_broken()

    def _notify_broken(self):
        self.ensure_one()
        partner = self.partner_id.with_company(self.company_id)
        note = _(
            "%(customer)s promised to pay %(amount)s by %(date)s; "
            "%(collected)s was collected. Reminders resume.",
            customer=partner.display_name,
            amount=self._amount_label(),
            date=self.date,
            collected=self.currency_id.format(self.amount_collected),
        )
        partner._dunning_post(note)
        self.message_post(body=note)
        partner._dunning_schedule_collector_activity(_("Broken promise to pay"), note)

    def unlink(self):
        if any(promise.state != "cancelled" for promise in self):
            raise UserError(_("Cancel a promise to pay instead of deleting it."))
        return super().unlink()

    @api.depends("partner_id", "date", "amount")
    def _compute_display_name(self):
        for promise in self:
            promise.display_name = _(
                "%(customer)s: %(amount)s by %(date)s",
                customer=promise.partner_id.name or "",
                amount=promise._amount_label(),
                date=promise.date or "",
            )
