# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from markupsafe import Markup

from odoo import _, fields, models
from odoo.tools import SQL
from odoo.tools.misc import format_date

CALL_ACTIVITY_TYPE = "account_dunning_advanced.mail_activity_type_dunning_call"

# previous reminders listed in a call note
HISTORY_SIZE = 5


class DunningChannelCall(models.AbstractModel):
    """The phone-call channel: a "Dunning call" activity on the customer for
    its collector, with a note of what is due and the history; the activity
    reports back through ``_feedback`` (``mail.activity`` done or removed)."""

    _name = "dunning.channel.call"
    _description = "Dunning Channel: Phone Call"

    def _histories(self, reminders):
        """{communication: its last 5 other reminders of the same customer
        and company}, in one query for the whole batch: a long-standing
        customer's whole history is not loaded for 5 lines."""
        reminders.flush_model(["partner_id", "company_id", "state", "date"])
        self.env.cr.execute(
            SQL(
                """
                SELECT id FROM (
                    SELECT id, date, row_number() OVER (
                        PARTITION BY partner_id, company_id ORDER BY date DESC, id DESC
                    ) AS rank
                    FROM dunning_communication
                    WHERE partner_id = ANY(%s) AND company_id = ANY(%s)
                      AND state IN ('sent', 'queued', 'failed')
                ) ranked
                WHERE rank <= %s
                ORDER BY date DESC, id DESC
                """,
                reminders.partner_id.ids,
                reminders.company_id.ids,
                # one more than shown: the reminder itself may be among them
                HISTORY_SIZE + 1,
            )
        )
        previous = reminders.browse([row[0] for row in self.env.cr.fetchall()])
        by_customer = previous.grouped(lambda c: (c.partner_id, c.company_id))
        empty = reminders.browse()
        return {
            comm: by_customer.get((comm.partner_id, comm.company_id), empty).filtered(
                lambda c, comm=comm: c != comm
            )[:HISTORY_SIZE]
            for comm in reminders
        }

    def _note(self, reminder, history=None):
        """What is due and the reminder history, for the one who calls: the
        reminder's report values (``dunning.reminder.content``)."""
        reminder.ensure_one()
        values = self.env["dunning.reminder.content"]._report_values(reminder)
        rows = Markup("").join(
            Markup("<li>%s</li>")
            % self.env._(
                "%(number)s: %(amount)s, due %(due)s (%(late)s)",
                number=item["number"],
                amount=item["amount"],
                due=item["due_date"],
                late=item["days_label"],
            )
            for item in values["items"]
        )
        if history is None:
            history = self._histories(reminder)[reminder]
        past = Markup("").join(
            Markup("<li>%s</li>")
            % self.env._(
                "%(date)s: %(level)s (%(state)s)",
                date=format_date(self.env, h.date, lang_code=values["lang"]),
                level=h.level_id.name,
                state=dict(h._fields["state"]._description_selection(self.env))[
                    h.state
                ],
            )
            for h in history
        )
        parts = [
            Markup("<p><strong>%s</strong></p>")
            % _("Total due: %(total)s", total=" + ".join(values["totals"])),
            Markup("<ul>%s</ul>") % rows,
        ]
        contact = reminder._dunning_contact()
        phone = contact.mobile or contact.phone or reminder.partner_id.phone
        if phone:
            parts.append(Markup("<p>%s</p>") % _("Phone: %(phone)s", phone=phone))
        parts.append(
            Markup("<p>%s</p>")
            % (_("Previous reminders:") if history else _("No previous reminder."))
        )
        if history:
            parts.append(Markup("<ul>%s</ul>") % past)
        return Markup("").join(parts)

    def _send(self, reminders):
        """Schedule a "Dunning call" activity on the customer for its collector,
        due today."""
        comms = reminders.filtered(lambda c: c.channel_call and c.state != "failed")
        if not comms:
            return self.env["mail.activity"]
        default_type = self.env.ref(CALL_ACTIVITY_TYPE, raise_if_not_found=False)
        partner_model = self.env["ir.model"]._get_id("res.partner")
        today = fields.Date.context_today(reminders)
        histories = self._histories(comms)
        values = []
        for comm in comms:
            activity_type = comm.level_id.activity_type_id or default_type
            values.append(
                {
                    "activity_type_id": activity_type.id,
                    "res_model_id": partner_model,
                    "res_id": comm.partner_id.id,
                    "user_id": comm._dunning_responsible().id,
                    "date_deadline": today,
                    "summary": _(
                        "Call about %(total)s overdue (%(name)s)",
                        total=comm.amount_due_by_currency,
                        name=comm.name,
                    ),
                    "note": self._note(comm, histories[comm]),
                }
            )
        activities = self.env["mail.activity"].create(values)
        for comm, activity in zip(comms, activities, strict=True):
            comm.write({"activity_id": activity.id, "call_state": "pending"})
        comms.filtered(
            lambda c: not (c.channel_email or c.channel_letter or c.channel_sms)
        )._dunning_mark_sent()
        return activities

    def _feedback(self, reminders, done):
        """The call activity of these reminders was marked done, or removed (by
        a collector, who may not write reminders: recorded as the addon, by
        ``mail.activity``'s feedback with its superuser environment)."""
        if done:
            reminders.write({"call_state": "done"})
            return
        for comm in reminders.filtered(lambda c: c.call_state == "pending"):
            comm.write(
                {
                    "call_state": "failed",
                    "error_message": (
                        (comm.error_message or "")
                        + "\n"
                        + _("Call: the activity was cancelled.")
                    ).strip(),
                }
            )
