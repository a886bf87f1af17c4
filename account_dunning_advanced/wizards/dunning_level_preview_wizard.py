# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from markupsafe import Markup

from odoo import Command, _, fields, models
from odoo.exceptions import AccessError, UserError


class DunningLevelPreviewWizard(models.TransientModel):
    """The email of a level as a chosen customer would receive it today, in
    the customer's language; sent as a test to the user on request."""

    _name = "dunning.level.preview.wizard"
    _description = "Preview a Dunning Level's Email"

    level_id = fields.Many2one("dunning.level", required=True, ondelete="cascade")
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        domain="[('dunning_worklist_ids.company_id', '=', company_id)]",
        help="A customer with open invoices: the email shows them.",
    )
    template_id = fields.Many2one(
        "mail.template",
        string="Email Template",
        related="level_id.mail_template_used_id",
    )
    lang = fields.Char(string="Language", readonly=True)
    subject = fields.Char(readonly=True)
    body_html = fields.Html(string="Email", readonly=True, sanitize=False)
    error = fields.Char(readonly=True)

    def action_preview(self):
        """Render the email for the chosen customer and show it."""
        self.ensure_one()
        values = {"lang": False, "subject": False, "body_html": False, "error": False}
        if self.partner_id:
            try:
                values.update(self._render())
            except UserError as exc:
                values["error"] = exc.args[0]
        else:
            values["error"] = _("Choose a customer with open invoices.")
        self.write(values)
        return self._reopen(_("Preview: %(level)s", level=self.level_id.display_name))

    def _render(self):
        """Subject, body and language of the level's email for the customer,
        rendered on a sample reminder that is never saved (a new record:
        ``dunning.reminder.content`` computes what it says as for a sent
        one): nothing is stored, numbered or sent."""
        self.ensure_one()
        level = self.level_id
        template = level.mail_template_used_id
        if not template:
            raise UserError(_("The level has no email template."))
        partner = self.partner_id.commercial_partner_id
        company = self.company_id
        if company not in self.env.user.company_ids:
            raise AccessError(_("You cannot preview reminders of this company."))
        today = fields.Date.context_today(self)
        planner = self.env["dunning.planner"].with_company(company)
        items = planner._select_open_items(company, today, [partner.id])
        # the items the level is about: overdue ones after the due date,
        # upcoming ones before it (a courtesy reminder); else all open ones
        items_open = [it for it in items["items"] if not it["plan_line_id"]]
        due = [
            it
            for it in items_open
            if (it["date_maturity"] < today) == (level.offset_days >= 0)
        ] or items_open
        if not due:
            raise UserError(
                _(
                    "%(customer)s has no open invoice in %(company)s to show in "
                    "the email: choose another customer.",
                    customer=partner.display_name,
                    company=company.name,
                )
            )
        context = planner._plan_context(company, today, items)
        sample = items["customers"][partner.id]
        plan = planner._plan_communication(
            context, partner.id, sample, level.scenario_id, [(it, level) for it in due]
        )
        comm = self._sample_communication(company, today, plan)
        lang = comm._dunning_lang()
        # with the previewing user's rights, in the previewed company: what
        # the template reads beyond them is not shown; the new record's own id
        # (``ids`` leaves out records never saved)
        rendered = template.with_company(company)._generate_template(
            list(comm._ids), ("subject", "body_html")
        )[comm.id]
        return {
            "lang": lang,
            "subject": rendered.get("subject") or "",
            "body_html": rendered.get("body_html") or "",
        }

    def _sample_communication(self, company, today, plan):
        level = self.level_id
        Run = self.env["dunning.run"]
        lines = [
            {
                name: value
                for name, value in Run._line_values(
                    self.env["dunning.communication"], line
                ).items()
                if name != "communication_id"
            }
            for line in plan["lines"]
        ]
        # never saved: a reminder as the run would make it, read with the
        # previewing user's rights
        return self.env["dunning.communication"].new(
            {
                "name": _("PREVIEW"),
                "date": today,
                "company_id": company.id,
                "partner_id": plan["partner_id"],
                "contact_id": plan["contact_id"],
                "collector_id": plan["collector_id"],
                "typology_id": plan["typology_id"],
                "lang": plan["lang"],
                "level_id": level.id,
                "tone": level.tone,
                "channel_email": True,
                "amount_due": plan["amount_due"],
                "penalty_interest": plan["penalty_interest"],
                "penalty_indemnity": plan["penalty_indemnity"],
                "penalty_rate": plan["penalty_rate"],
                "legal_regime": plan["legal_regime"],
                "scenario_id": level.scenario_id.id,
                "line_ids": [Command.create(values) for values in lines],
            }
        )

    def _reopen(self, title):
        return {
            "type": "ir.actions.act_window",
            "name": title,
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_send_test(self):
        """Send the rendered email to the user alone, marked as a test (it is
        no reminder, and nothing is logged on the customer), at once through
        Odoo's mail server, as Odoo's mail composer does when asked to send
        now: the user learns whether it left, or why not. A failed test
        leaves nothing behind (the error undoes it)."""
        self.ensure_one()
        if not self.env.user.email:
            raise UserError(_("Set an email address on your user to receive tests."))
        values = self._render()
        banner = Markup(
            '<div style="background:#fff3cd;padding:8px;margin-bottom:12px;">'
            "%s</div>"
        ) % _(
            "TEST of the level %(level)s for %(customer)s: not sent to the "
            "customer, not counted as a reminder.",
            level=self.level_id.display_name,
            customer=self.partner_id.display_name,
        )
        # the mail queue is system-only: this email goes to the user alone,
        # rendered above with the user's rights
        mail = (
            self.env["mail.mail"]
            .sudo()
            .create(
                {
                    "subject": _("[TEST] %(subject)s", subject=values["subject"]),
                    "body_html": banner + Markup(values["body_html"]),
                    "email_to": self.env.user.email_formatted,
                    "email_from": self.company_id.email_formatted
                    or self.env.user.email_formatted,
                    "auto_delete": True,
                }
            )
        )
        mail.send(raise_exception=False)
        if mail.exists() and mail.state != "sent":
            raise UserError(
                _(
                    "The test email to %(email)s was not sent: %(reason)s",
                    email=self.env.user.email,
                    reason=mail.failure_reason
                    or _("the mail server did not accept it."),
                )
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Test email sent"),
                "message": _(
                    "The mail server accepted the test email to %(email)s.",
                    email=self.env.user.email,
                ),
                "type": "success",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
