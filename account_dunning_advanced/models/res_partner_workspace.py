# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import defaultdict

from odoo import _, fields, models
from odoo.exceptions import UserError


class ResPartner(models.Model):
    _inherit = "res.partner"

    dunning_worklist_ids = fields.One2many("dunning.worklist", "partner_id")
    dunning_promise_ids = fields.One2many(
        "dunning.promise", "partner_id", string="Promises to Pay"
    )
    dunning_dispute_ids = fields.One2many(
        "dunning.dispute", "partner_id", string="Disputes"
    )
    dunning_payment_plan_ids = fields.One2many(
        "dunning.payment.plan", "partner_id", string="Payment Plans"
    )

    def _dunning_default_collector(self):
        """{partner: user} in the current company: the collector of the
        partner's typology, else its salesperson."""
        return {
            partner: partner.dunning_typology_id.collector_id or partner.user_id
            for partner in self.commercial_partner_id
        }

    def _dunning_fill_collectors(self):
        """Give the partners of the current company that have no collector
        their default one, one write per collector."""
        by_user = defaultdict(list)
        for partner, user in self._dunning_default_collector().items():
            if user and not partner.dunning_collector_id:
                by_user[user].append(partner.id)
        for user, partner_ids in by_user.items():
            self.browse(partner_ids).sudo().write({"dunning_collector_id": user.id})

    def _dunning_scenario(self):
        self.ensure_one()
        return (
            self.dunning_scenario_id
            or self.dunning_typology_id.scenario_id
            or self.env.company.dunning_scenario_id
        )

    def _dunning_grace_days(self):
        """Grace after a promised date in the current company: the scenario's
        grace days, else the company's."""
        self.ensure_one()
        return (
            self._dunning_scenario().grace_days
            or self.env.company.dunning_promise_grace_days
        )

    def _dunning_collector(self):
        """Who follows up this customer: its collector, else the default one,
        else the current user."""
        self.ensure_one()
        partner = self.commercial_partner_id
        return (
            partner.dunning_collector_id
            or partner._dunning_default_collector()[partner]
            or self.env.user
        )

    def _dunning_post(self, body):
        """Log on the customer's chatter as the current user: collectors work
        the dunning of customers they are not allowed to edit."""
        for partner in self:
            partner.sudo().message_post(
                body=body, author_id=self.env.user.partner_id.id
            )

    def _dunning_set_pause(self, until):
        """Pause (or resume with False) the reminders in the current company;
        collectors may do so without the right to edit customers."""
        self.sudo().write({"dunning_paused_until": until})

    def _dunning_schedule_collector_activity(self, summary, note):
        """An activity for the collector on the customer, typed "Dunning call"
        when the engine's type exists."""
        activity_type = self.env.ref(
            "account_dunning_advanced.mail_activity_type_dunning_call",
            raise_if_not_found=False,
        ) or self.env.ref("mail.mail_activity_data_todo")
        activities = self.env["mail.activity"]
        for partner in self:
            activities |= partner.sudo().activity_schedule(
                activity_type_id=activity_type.id,
                summary=summary,
                note=note,
                user_id=partner._dunning_collector().id,
            )
        return activities

    def action_dunning_open_worklist(self):
        self.ensure_one()
        row_id = self.env["dunning.worklist"]._row_id(
            self.commercial_partner_id, self.env.company
        )
        if not self.env["dunning.worklist"].search_count([("id", "=", row_id)]):
            raise UserError(_("This customer has no overdue item in this company."))
        return {
            "type": "ir.actions.act_window",
            "name": _("Dunning"),
            "res_model": "dunning.worklist",
            "res_id": row_id,
            "view_mode": "form",
        }
