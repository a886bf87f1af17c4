# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import _, fields, models
from odoo.exceptions import UserError

from odoo.addons.phone_validation.tools import phone_validation

# Odoo's SMS states that mean the SMS did not reach the phone
FAILED_SMS_STATES = ("error", "canceled")


class DunningChannelSms(models.AbstractModel):
    """The SMS channel: one SMS per reminder through the ``sms`` module's
    queue (``_message_sms``), logged in the customer's chatter; the queue
    reports back through ``_feedback`` (``sms.sms``)."""

    _name = "dunning.channel.sms"
    _description = "Dunning Channel: SMS"

    def _send(self, reminders):
        """Queue one SMS per reminder to the contact's mobile number, logged
        in the customer's chatter."""
        comms = reminders.filtered(lambda c: c.channel_sms and c.state != "failed")
        values = {}
        message_by_comm = {}
        for comm in comms:
            contact = comm._dunning_contact()
            number = self._mobile_number(comm, contact)
            if not number:
                values.setdefault(comm, {})["sms_state"] = "failed"
                comm._dunning_append(
                    values,
                    "skipped_channels",
                    _(
                        "SMS: %(contact)s has no valid mobile number.",
                        contact=contact.display_name,
                    ),
                )
                continue
            message = comm.partner_id._message_sms(
                self.env["dunning.reminder.content"]._sms_text(comm),
                partner_ids=contact.ids,
                sms_pid_to_number={contact.id: number},
                put_in_queue=True,
            )
            message_by_comm[comm] = message
            if not comm.mail_message_id:
                values.setdefault(comm, {})["mail_message_id"] = message.id
        messages = self.env["mail.message"].union(*message_by_comm.values())
        sms_by_message = {
            sms.mail_message_id: sms
            for sms in self.env["sms.sms"].search(
                [("mail_message_id", "in", messages.ids)]
            )
        }
        for comm, message in message_by_comm.items():
            if message in sms_by_message:
                values.setdefault(comm, {}).update(
                    sms_id=sms_by_message[message].id, sms_state="pending"
                )
        reminders._dunning_write_values(values)
        comms.filtered(
            lambda c: c.sms_id and not (c.channel_email or c.channel_letter)
        )._dunning_mark_sent()
        return self.env["sms.sms"].union(*sms_by_message.values())

    def _mobile_number(self, reminder, contact):
        """The contact's mobile number in E.164, formatted for its country
        (else the reminder's company's), or False when it is not a valid
        number: ``phone_validation``'s formatting tool."""
        reminder.ensure_one()
        if not contact.mobile:
            return False
        country = contact.country_id or reminder.company_id.country_id
        try:
            return phone_validation.phone_format(
                contact.mobile,
                country.code,
                country.phone_code,
                force_format="E164",
                raise_exception=True,
            )
        except UserError:
            return False

    def _feedback(self, reminders, sms_state, failure_type=None):
        """The SMS queue and the provider's reports on the SMS of these
        reminders (Odoo's ``sms.sms`` states): accepted by the provider
        (``pending``), the SMS is sent (done); delivered (``sent``), its
        reminder says when; refused or not delivered, it failed. Called by
        the SMS queue's feedback (``sms.sms``), with its superuser
        environment."""
        if sms_state in FAILED_SMS_STATES:
            # a report repeats what the queue already recorded
            reminders = reminders.filtered(
                lambda c: c.sms_state != "failed" and not c.sms_delivered_datetime
            )
            for comm in reminders:
                comm.write(
                    {
                        "sms_state": "failed",
                        "error_message": (
                            (comm.error_message or "")
                            + "\n"
                            + _(
                                "SMS not sent: %(reason)s",
                                reason=failure_type or sms_state,
                            )
                        ).strip(),
                    }
                )
            return
        reminders.filtered(lambda c: c.sms_state != "done").write({"sms_state": "done"})
        if sms_state == "sent":
            reminders.filtered(lambda c: not c.sms_delivered_datetime).write(
                {"sms_delivered_datetime": fields.Datetime.now()}
            )
