# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.misc import format_amount, format_date

from ..tools import csv_bytes

_logger = logging.getLogger(__name__)

COLLECTOR_GROUP = "account_dunning_advanced.group_dunning_collector"
NOTICE_REPORT = "account_dunning_advanced.action_report_dunning_formal_notice"
FILE_REPORT = "account_dunning_advanced.action_report_dunning_litigation_file"
CSV_COLUMNS = [
    "record",
    "reference",
    "date",
    "due_date",
    "amount",
    "amount_due",
    "currency",
    "level",
    "channels",
    "state",
    "details",
]
# fields a collector may still complete once the file is handed over
EDITABLE_DONE = {"note", "registered_mail_ref", "message_main_attachment_id"}


class DunningLitigation(models.Model):
    """The hand-over of a customer's overdue file to a collection agency or a
    lawyer, after the last reminder level: a formal notice ("mise en
    demeure") sent by registered mail, the customer's file exported (CSV and
    PDF), and the customer in litigation in the company, so that no reminder
    goes out any more."""

    _name = "dunning.litigation"
    _description = "Litigation Hand-over"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        domain=[("parent_id", "=", False)],
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(
        string="Hand-over Date", required=True, default=fields.Date.context_today
    )
    agent_id = fields.Many2one(
        "res.partner",
        string="Collection Agency or Lawyer",
        required=True,
        tracking=True,
    )
    agent_kind = fields.Selection(
        [("agency", "Collection agency"), ("lawyer", "Lawyer")],
        string="Handed Over To",
        required=True,
        default="agency",
    )
    registered_mail_ref = fields.Char(
        string="Registered Mail Number",
        tracking=True,
        help="Number of the registered letter with acknowledgement of receipt "
        "that carries the formal notice; printed on the notice.",
    )
    notice_days = fields.Integer(
        string="Days to Pay",
        default=8,
        required=True,
        help="Days the formal notice leaves the customer to pay.",
    )
    amount_due = fields.Monetary(
        string="Amount Handed Over", readonly=True, currency_field="currency_id"
    )
    state = fields.Selection(
        [("draft", "Draft"), ("done", "Handed Over")],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Handed Over By",
        readonly=True,
        default=lambda self: self.env.user,
    )
    note = fields.Text()
    attachment_ids = fields.Many2many(
        "ir.attachment", string="Documents", readonly=True, copy=False
    )

    _sql_constraints = [
        (
            "notice_days_positive",
            "CHECK(notice_days > 0)",
            "The formal notice must leave at least one day to pay.",
        ),
    ]

    @api.depends("partner_id", "date")
    def _compute_display_name(self):
        for record in self:
            record.display_name = _(
                "Hand-over of %(customer)s",
                customer=record.partner_id.name or "",
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_dunning_user()
        for vals in vals_list:
            vals.pop("state", None)
            vals.pop("amount_due", None)
            vals.pop("attachment_ids", None)
        return super(
            DunningLitigation, self.with_context(mail_create_nolog=True)
        ).create(vals_list)

    def write(self, vals):
        self._check_dunning_user()
        if {"state", "amount_due", "attachment_ids"} & set(vals):
            raise UserError(_("A hand-over is done with its button only."))
        if any(rec.state == "done" for rec in self) and set(vals) - EDITABLE_DONE:
            raise UserError(_("A file handed over cannot be changed."))
        return super().write(vals)

    def _write_hand_over(self, vals):
        """Write what the hand-over records (its state, amount, documents),
        past ``write``'s refusal: a private method, which no client reaches
        (a context key would be)."""
        return super().write(vals)

    def unlink(self):
        if any(rec.state == "done" for rec in self):
            raise UserError(_("A file handed over cannot be deleted."))
        return super().unlink()

    def _check_dunning_user(self):
        if not self.env.su and not self.env.user.has_group(COLLECTOR_GROUP):
            raise AccessError(_("Only dunning users hand files over."))

    # ------------------------------------------------------------------
    # Hand-over
    # ------------------------------------------------------------------
    def action_hand_over(self):
        """Mark the customer in litigation in the company, and attach the
        formal notice, the customer's file as PDF and as CSV."""
        for record in self:
            if record.state != "draft":
                raise UserError(_("This file was already handed over."))
            record._hand_over()
        return True

    def _hand_over(self):
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id.with_company(self.company_id)
        values = self._dunning_file_values()
        self._stop_reminders(partner)
        self._write_hand_over(
            {"state": "done", "amount_due": values["amount_due"], "date": self.date}
        )
        attachments = self._dunning_attach_documents()
        self._write_hand_over({"attachment_ids": [(6, 0, attachments.ids)]})
        partner._dunning_post(
            Markup("%s")
            % _(
                "Handed over to %(agent)s (%(amount)s): in litigation, no further "
                "reminder is sent.",
                agent=self.agent_id.display_name,
                amount=format_amount(self.env, values["amount_due"], self.currency_id),
            )
        )

    def _stop_reminders(self, partner):
        """The customer in litigation in the company, its reminders not sent
        yet cancelled."""
        self.ensure_one()
        # boundary of the hand-over: the customer's reminders and litigation
        # flag are the job's records (collectors read reminders and cannot
        # edit customers), changed once the group and file state are checked
        job = self.env(su=True)
        pending = job["dunning.communication"].search(
            [
                ("partner_id", "=", partner.id),
                ("company_id", "=", self.company_id.id),
                ("state", "in", ("to_approve", "queued", "failed")),
            ]
        )
        if pending:
            pending._dunning_cancel(_("Customer handed over to litigation."))
        partner.with_env(job).with_company(self.company_id).write(
            {"dunning_litigation": True}
        )

    def _dunning_attach_documents(self):
        self.ensure_one()
        slug = (self.partner_id.name or "").replace("/", "-")
        documents = [
            (_("Formal notice %(customer)s", customer=slug), NOTICE_REPORT),
            (_("Litigation file %(customer)s", customer=slug), FILE_REPORT),
        ]
        values = []
        for name, report in documents:
            content, report_type = self.env["ir.actions.report"]._render_qweb_pdf(
                report, self.ids
            )
            extension = "pdf" if report_type == "pdf" else "html"
            values.append(
                {
                    "name": f"{name}.{extension}",
                    "raw": content,
                    "mimetype": f"application/{extension}"
                    if extension == "pdf"
                    else "text/html",
                }
            )
        values.append(
            {
                "name": _("Litigation file %(customer)s", customer=slug) + ".csv",
                "raw": self._dunning_file_csv(),
                "mimetype": "text/csv",
            }
        )
        return self.env["ir.attachment"].create(
            [dict(vals, res_model=self._name, res_id=self.id) for vals in values]
        )

    # ------------------------------------------------------------------
    # The customer's file
    # ------------------------------------------------------------------
    def _dunning_file_values(self):
        """What the file holds, read for one customer in one company: its
        open invoices, the reminders sent, promises, disputes and penalties."""
        self.ensure_one()
        # with the user's rights, in the file's company
        env = self.with_company(self.company_id).env
        partner = self.partner_id.commercial_partner_id
        company = self.company_id
        # the open items by the planner's rule, as every reminder counts them
        items = env["account.move.line"].browse(
            env["dunning.planner"]._open_item_ids([company.id], [partner.id])
        )
        invoices = env["account.move"].search(
            [("id", "in", items.move_id.ids)], order="invoice_date_due, name, id"
        )
        reminders = env["dunning.communication"].search(
            [
                ("partner_id", "=", partner.id),
                ("company_id", "=", company.id),
                ("state", "=", "sent"),
            ],
            order="date, id",
        )
        promises = env["dunning.promise"].search(
            [("partner_id", "=", partner.id), ("company_id", "=", company.id)],
            order="date, id",
        )
        disputes = env["dunning.dispute"].search(
            [("partner_id", "=", partner.id), ("company_id", "=", company.id)],
            order="open_date, id",
        )
        channels = {
            "email": _("Email"),
            "letter": _("Letter"),
            "sms": _("SMS"),
            "call": _("Phone call"),
        }
        return {
            "partner": partner,
            "company": company,
            "invoices": invoices,
            "reminders": [
                {
                    "record": reminder,
                    "channels": ", ".join(
                        label
                        for key, label in channels.items()
                        if reminder[f"channel_{key}"]
                    ),
                    "sent": reminder.sent_datetime or reminder.date,
                }
                for reminder in reminders
            ],
            "promises": promises,
            "disputes": disputes,
            "penalty_interest": sum(reminders.mapped("penalty_interest")),
            "penalty_indemnity": sum(reminders.mapped("penalty_indemnity")),
            "amount_due": sum(items.mapped("amount_residual")),
        }

    def _dunning_file_csv(self):
        """The customer's file as CSV, one row per record (customer, invoice,
        reminder, promise, dispute, penalties), in company currency unless an
        invoice's own currency is given. Texts that start like a spreadsheet
        formula are written as text (customer names and references, notes
        come from outside); amounts stay numbers."""
        self.ensure_one()
        values = self._dunning_file_values()
        currency = self.currency_id.name
        partner = values["partner"]

        def day(value):
            return fields.Date.to_string(value) if value else ""

        rows = [
            {
                "record": "customer",
                "reference": partner.ref or "",
                "amount_due": values["amount_due"],
                "currency": currency,
                "details": " / ".join(
                    filter(
                        None,
                        [
                            partner.name,
                            partner.vat,
                            partner._display_address(without_company=True).replace(
                                "\n", ", "
                            ),
                            partner.email,
                            partner.phone,
                        ],
                    )
                ),
            }
        ]
        for invoice in values["invoices"]:
            rows.append(
                {
                    "record": "invoice",
                    "reference": invoice.name,
                    "date": day(invoice.invoice_date),
                    "due_date": day(invoice.invoice_date_due),
                    "amount": invoice.amount_total,
                    "amount_due": invoice.amount_residual,
                    "currency": invoice.currency_id.name,
                    "level": invoice.dunning_level_id.name or "",
                    "state": invoice.dunning_einvoice_status or "",
                    "details": invoice.ref or "",
                }
            )
        for reminder in values["reminders"]:
            comm = reminder["record"]
            rows.append(
                {
                    "record": "reminder",
                    "reference": comm.name,
                    "date": fields.Datetime.to_string(reminder["sent"])
                    if comm.sent_datetime
                    else day(comm.date),
                    "amount_due": comm.amount_due,
                    "currency": currency,
                    "level": comm.level_id.name,
                    "channels": reminder["channels"],
                    "state": comm.state,
                    "details": ", ".join(comm.line_ids.move_id.mapped("name")),
                }
            )
        for promise in values["promises"]:
            rows.append(
                {
                    "record": "promise",
                    "date": day(promise.create_date),
                    "due_date": day(promise.date),
                    "amount": promise.amount,
                    "currency": currency,
                    "state": promise.state,
                    "details": promise.note or "",
                }
            )
        for dispute in values["disputes"]:
            rows.append(
                {
                    "record": "dispute",
                    "reference": dispute.move_id.name,
                    "date": day(dispute.open_date),
                    "amount_due": dispute.move_id.amount_residual,
                    "currency": dispute.move_id.currency_id.name,
                    "state": dispute.state,
                    "details": " - ".join(
                        filter(None, [dispute.reason_id.name, dispute.note])
                    ),
                }
            )
        if values["penalty_interest"] or values["penalty_indemnity"]:
            rows.append(
                {
                    "record": "penalties",
                    "amount": values["penalty_interest"] + values["penalty_indemnity"],
                    "currency": currency,
                    "details": _(
                        "Late-payment interest %(interest)s, recovery indemnity "
                        "%(indemnity)s",
                        interest=values["penalty_interest"],
                        indemnity=values["penalty_indemnity"],
                    ),
                }
            )
        return csv_bytes(CSV_COLUMNS, rows)

    def _dunning_lang(self):
        """The customer's language (``dunning.planner._partner_lang``)."""
        self.ensure_one()
        return self.env["dunning.planner"]._partner_lang(
            self.partner_id, self.company_id
        )

    def _dunning_format_date(self, value):
        """A date in the language the report is rendered in."""
        return (
            format_date(self.env, value, lang_code=self._dunning_lang())
            if value
            else ""
        )
