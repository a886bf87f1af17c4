# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging

from markupsafe import Markup

from odoo import _, fields, models
from odoo.tools import SQL
from odoo.tools.misc import format_amount, format_date

from .dunning_dispatch import TODO_ACTIVITY_TYPE

_logger = logging.getLogger(__name__)

CALL_ACTIVITY_TYPE = "account_dunning_advanced.mail_activity_type_dunning_call"

# previous reminders listed in a call note
HISTORY_SIZE = 5


class DunningChannelCall(models.AbstractModel):
    """The phone-call channel: a "Dunning call" activity on the customer for
    its collector, with a note of what is due and the history; the activity
    reports back through ``_feedback`` (``mail.activity`` done or removed).

    One open call per customer and company: a new reminder's call updates the
    open one (the newest reminder's level, summary and note; all its reminders
    linked to it), whatever their levels. A call whose items were all paid,
    promised or disputed since is closed, "not needed", with the reason
    (``_close_settled``): by the next run at the latest, at once when a
    promise or a dispute is recorded. Everything the collector reads is
    written in the collector's language."""

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

    def _phone_number(self, reminder):
        """The number to call: the billing contact's, else the customer's
        (mobile first); False when neither has one."""
        return self._number_of(reminder._dunning_contact(), reminder.partner_id)

    def _number_of(self, contact, customer):
        """The number to call of a customer and its billing contact: the
        contact's, else the customer's (mobile first); False when neither
        has one."""
        for partner in (contact, customer):
            if partner.mobile or partner.phone:
                return partner.mobile or partner.phone
        return False

    def _in_user_lang(self, user):
        """This service in ``user``'s language: what an activity says is for
        the collector who reads it, not for the customer."""
        return self.with_context(lang=user.lang or self.env.lang)

    def _note(self, reminder, history=None):
        """What the reminder was about and the reminder history, for the one
        who calls, in this environment's language (the collector's): the
        amounts are those of the day of the reminder, and say so (today's
        overdue amount is in the Calls to Make list)."""
        reminder.ensure_one()
        env = self.env
        lang = env.lang
        rows = Markup("").join(
            Markup("<li>%s</li>")
            % env._(
                "%(number)s: %(amount)s, due %(due)s (%(late)s days late)",
                number=line.move_id.name or "",
                amount=format_amount(
                    env, line.amount_residual_currency, line.currency_id
                ),
                due=format_date(env, line.date_maturity, lang_code=lang),
                late=line.days_late,
            )
            for line in reminder.line_ids
        )
        if history is None:
            history = self._histories(reminder)[reminder]
        states = dict(reminder._fields["state"]._description_selection(env))
        past = Markup("").join(
            Markup("<li>%s</li>")
            % env._(
                "%(date)s: %(level)s (%(state)s)",
                date=format_date(env, h.date, lang_code=lang),
                level=h.level_id.with_env(env).name,
                state=states[h.state],
            )
            for h in history
        )
        parts = [
            Markup("<p><strong>%s</strong></p>")
            % env._(
                "Overdue on %(date)s, the day of reminder %(name)s: %(total)s",
                date=format_date(env, reminder.date, lang_code=lang),
                name=reminder.name,
                total=self._total_label(reminder),
            ),
            Markup("<ul>%s</ul>") % rows,
        ]
        phone = self._phone_number(reminder)
        if phone:
            parts.append(Markup("<p>%s</p>") % env._("Phone: %(phone)s", phone=phone))
        parts.append(
            Markup("<p>%s</p>")
            % (
                env._("Previous reminders:")
                if history
                else env._("No previous reminder.")
            )
        )
        if history:
            parts.append(Markup("<ul>%s</ul>") % past)
        return Markup("").join(parts)

    def _total_label(self, reminder):
        """The reminder's total per currency, in this environment's language."""
        return " + ".join(
            format_amount(self.env, amount, currency)
            for currency, amount in reminder._amounts_by_currency()
        )

    def _activity_values(self, reminder, history, today, default_type, user=None):
        user = user or reminder._dunning_responsible()
        service = self._in_user_lang(user)
        env = service.env
        return {
            "activity_type_id": (reminder.level_id.activity_type_id or default_type).id,
            "res_model_id": env["ir.model"]._get_id("res.partner"),
            "res_id": reminder.partner_id.id,
            "user_id": user.id,
            "date_deadline": today,
            # the reminder's amount, dated: today's is the list's column
            "summary": env._(
                "Call about %(name)s: %(total)s overdue on %(date)s",
                name=reminder.name,
                total=service._total_label(reminder),
                date=format_date(env, reminder.date, lang_code=env.lang),
            ),
            "note": service._note(reminder, history),
        }

    def _open_calls(self, partner_ids, company_ids):
        """{(partner id, company id): [open call activity ids, newest first]}
        of the reminders of these customers, in one query."""
        self.env["mail.activity"].flush_model(["active"])
        self.env["dunning.communication"].flush_model(
            ["activity_id", "partner_id", "company_id"]
        )
        partner_filter = (
            SQL("AND comm.partner_id = ANY(%s)", list(partner_ids))
            if partner_ids is not None
            else SQL()
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT comm.partner_id, comm.company_id,
                       array_agg(DISTINCT act.id ORDER BY act.id DESC)
                  FROM dunning_communication comm
                  JOIN mail_activity act ON act.id = comm.activity_id
                 WHERE act.active
                   AND comm.company_id = ANY(%s)
                   %s
                 GROUP BY comm.partner_id, comm.company_id
                """,
                list(company_ids),
                partner_filter,
            )
        )
        return {(row[0], row[1]): row[2] for row in self.env.cr.fetchall()}

    def _send(self, reminders):
        """The customer's call activity for its collector, due today: the open
        call of the customer in the reminder's company is updated (one open
        call per customer and company), else a new one is scheduled. A
        customer without any phone number gets none (the dispatch asks the
        collector for a number instead: ``_ask_for_phone``)."""
        comms = reminders.filtered(
            lambda c: c.channel_call and c.state != "failed" and self._phone_number(c)
        )
        if not comms:
            return self.env["mail.activity"]
        activities = self._schedule(comms, fields.Date.context_today(reminders))
        comms.filtered(
            lambda c: not (c.channel_email or c.channel_letter or c.channel_sms)
        )._dunning_mark_sent()
        return activities

    def _schedule(self, comms, deadline, user=None, note=None, closing=None):
        """The call of each customer and company of ``comms``, due on
        ``deadline``, linked to them: its open call updated (one open call per
        customer and company, ``closing`` not counted: the call being closed),
        else a new one. ``user``: who calls, else each reminder's responsible;
        ``note``: the caller's words, above the reminder's note."""
        default_type = self.env.ref(CALL_ACTIVITY_TYPE, raise_if_not_found=False)
        histories = self._histories(comms)
        groups = comms.grouped(lambda c: (c.partner_id.id, c.company_id.id))
        open_calls = self._open_calls(
            {key[0] for key in groups}, {key[1] for key in groups}
        )
        closing_ids = set(closing.ids) if closing else set()
        Activity = self.env["mail.activity"]
        activities = Activity
        new = []
        for key, group in groups.items():
            # the highest level, the newest reminder: its note replaces the
            # older ones', whose items it reminds again
            lead = group.sorted(lambda c: (c.level_id.offset_days, c.id))[-1]
            values = self._activity_values(
                lead, histories[lead], deadline, default_type, user=user
            )
            if note:
                values["note"] = note + values["note"]
            open_ids = [i for i in open_calls.get(key, []) if i not in closing_ids]
            if open_ids:
                activity = Activity.browse(open_ids[0])
                del values["res_model_id"], values["res_id"]
                values["date_deadline"] = min(activity.date_deadline, deadline)
                activity.write(values)
                activities |= activity
                group.write({"activity_id": activity.id, "call_state": "pending"})
            else:
                new.append((group, values))
        created = Activity.create([values for _group, values in new])
        for (group, _values), activity in zip(new, created, strict=True):
            group.write({"activity_id": activity.id, "call_state": "pending"})
        return activities | created

    def _ask_for_phone(self, reminders):
        """A to-do "Find a phone number for ..." for the collector of each
        customer of ``reminders`` that none of its contacts' numbers can be
        called on; one open at a time per customer, not one per run."""
        if not reminders:
            return self.env["mail.activity"]
        Activity = self.env["mail.activity"]
        partners = reminders.partner_id
        asked = set(
            Activity.search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "in", partners.ids),
                    ("dunning_find_phone", "=", True),
                ]
            ).mapped("res_id")
        )
        todo_type = self.env.ref(TODO_ACTIVITY_TYPE)
        partner_model = self.env["ir.model"]._get_id("res.partner")
        values = []
        for partner, comms in reminders.grouped("partner_id").items():
            if partner.id in asked:
                continue
            comm = comms[0]
            user = comm._dunning_responsible()
            env = self._in_user_lang(user).env
            values.append(
                {
                    "activity_type_id": todo_type.id,
                    "res_model_id": partner_model,
                    "res_id": partner.id,
                    "user_id": user.id,
                    "date_deadline": fields.Date.context_today(self),
                    "dunning_find_phone": True,
                    "summary": env._(
                        "Find a phone number for %(customer)s",
                        customer=partner.display_name,
                    ),
                    "note": Markup("<p>%s</p>")
                    % env._(
                        "Reminder %(name)s asks for a call, but neither %(customer)s "
                        "nor its billing contact has a phone or mobile number: no "
                        "call was planned. Add a number to the contact so that the "
                        "next reminder's call can be made.",
                        name=comm.name,
                        customer=partner.display_name,
                    ),
                }
            )
        return Activity.create(values)

    def _close_phone_found(self, customers):
        """Close the "Find a phone number" to-dos of ``customers`` that can now
        be called (``_number_of`` their billing contact or themselves), as
        done, saying a number was added; one search for the whole batch."""
        # boundary: whoever adds a number closes the collector's to-do
        Activity = self.env["mail.activity"].sudo()
        todos = Activity.search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "in", customers.ids),
                ("dunning_find_phone", "=", True),
            ]
        )
        if not todos:
            return Activity
        asked = customers.browse(todos.mapped("res_id"))
        contacts = self.env["dunning.planner"]._contact_of(asked)
        callable_ids = {
            customer.id
            for customer in asked
            if self._number_of(
                customer.browse(contacts.get(customer.id, customer.id)), customer
            )
        }
        found = todos.filtered(lambda todo: todo.res_id in callable_ids)
        for user, user_todos in found.grouped("user_id").items():
            user_todos.action_feedback(
                feedback=self._in_user_lang(user).env._(
                    "A phone number was added to the customer."
                )
            )
        return found

    def _close_settled(self, companies, partner_ids=None):
        """``_close_calls_settled``, which never raises: it runs inside the
        scheduled run and the recording of promises and disputes (a
        customer's page among them), which go on; the calls left open are
        closed by the next run."""
        try:
            with self.env.cr.savepoint():
                return self._close_calls_settled(companies, partner_ids)
        except Exception:  # noqa: BLE001 - logged, the caller goes on
            _logger.exception("Dunning: closing the settled calls failed")
            return self.env["mail.activity"]

    def _close_calls_settled(self, companies, partner_ids=None):
        """Close the open calls whose items are all settled: paid, promised,
        disputed, or held back by any other rule of the planner
        (``dunning.planner._recheck_reasons``), as done and "not needed",
        with the reason; several open calls of one customer and company (made
        before one call per customer) become one first. One query finds the
        calls, one re-check decides for all of them."""
        # boundary: the calls and reminders are the job's records; a
        # collector's promise or dispute closes the calls it settles
        self = self.sudo()  # noqa: PLW0642
        Activity = self.env["mail.activity"]
        Comm = self.env["dunning.communication"]
        open_calls = self._open_calls(partner_ids, companies.ids)
        if not open_calls:
            return Activity
        duplicates = {ids[0]: ids[1:] for ids in open_calls.values() if len(ids) > 1}
        if duplicates:
            for keep, others in duplicates.items():
                Comm.search([("activity_id", "in", others)]).write(
                    {"activity_id": keep}
                )
            Activity.browse(
                [act_id for others in duplicates.values() for act_id in others]
            ).unlink()
        calls = Activity.browse([ids[0] for ids in open_calls.values()])
        comms = Comm.search([("activity_id", "in", calls.ids)])
        today = fields.Date.context_today(self)
        dropped = self.env["dunning.planner"]._recheck_reasons(comms, today)
        settled = {}
        for call, call_comms in comms.grouped("activity_id").items():
            lines = call_comms.line_ids.filtered("move_line_id")
            if lines and all(line.id in dropped for line in lines):
                settled[call] = (call_comms[:1], {dropped[line.id] for line in lines})
        if not settled:
            return Activity
        promises = self.env["dunning.promise"].search(
            [
                ("state", "=", "open"),
                ("partner_id", "in", comms.partner_id.ids),
                ("company_id", "in", companies.ids),
            ]
        )
        promised = {(p.partner_id.id, p.company_id.id): p.date for p in promises}
        by_feedback = {}
        for call, (comm, reasons) in settled.items():
            feedback = self._in_user_lang(call.user_id)._settled_feedback(
                reasons, promised.get((comm.partner_id.id, comm.company_id.id))
            )
            by_feedback.setdefault(feedback, Activity)
            by_feedback[feedback] |= call
        for feedback, acts in by_feedback.items():
            acts.with_context(dunning_call_state="not_needed")._action_done(
                feedback=feedback
            )
        return Activity.browse([call.id for call in settled])

    def _settled_feedback(self, reasons, promise_date=None):
        """Why a call is closed without calling, in this environment's
        language: "paid", "promise to pay until ...", "disputed"..."""
        env = self.env
        labels = dict(
            env["dunning.run.log"]._fields["reason"]._description_selection(env)
        )
        words = {
            "in_payment": env._("paid"),
            "disputed": env._("disputed"),
            "promise": (
                env._(
                    "promise to pay until %(date)s",
                    date=format_date(env, promise_date, lang_code=env.lang),
                )
                if promise_date
                else env._("promise to pay")
            ),
        }
        return env._(
            "Closed without calling: %(reasons)s.",
            reasons=", ".join(
                words.get(reason) or labels.get(reason, reason)
                for reason in sorted(reasons)
            ),
        )

    def _feedback(self, reminders, done):
        """The call activity of these reminders was marked done (or closed as
        not needed: ``dunning_call_state``), or removed (by a collector, who
        may not write reminders: recorded as the addon, by
        ``mail.activity``'s feedback with its superuser environment)."""
        if done:
            reminders.write(
                {"call_state": self.env.context.get("dunning_call_state") or "done"}
            )
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
