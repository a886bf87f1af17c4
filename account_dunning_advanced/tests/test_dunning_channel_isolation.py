# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""One customer's bad data fails that customer's reminder, in every channel:
the rest of the batch goes out, and the reason is on the reminder."""

from datetime import timedelta

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import as_job
from .dunning_dispatch_common import DunningDispatchCommon
from .dunning_engine_common import DUE, DunningEngineCommon

COMM_LOGGERS = tuple(
    f"odoo.addons.account_dunning_advanced.models.{module}"
    for module in (
        "dunning_dispatch",
        "dunning_channel_email",
        "dunning_channel_letter",
    )
)
# a template or a letter that only works for contacts who have a job title
NEEDS_JOB_TITLE = "object.contact_id.function.upper()"


def _broken_for_some_template(env, model="dunning.communication"):
    return env["mail.template"].create(
        {
            "name": "Reminder naming the contact's job title",
            "model_id": env["ir.model"]._get_id(model),
            "subject": "Reminder {{ object.name }}",
            "body_html": f'<p>To the <t t-out="{NEEDS_JOB_TITLE}"/></p>',
        }
    )


def _broken_for_some_letter(env):
    view = env["ir.ui.view"].create(
        {
            "name": "dunning_letter_job_title",
            "type": "qweb",
            "key": "account_dunning_advanced.dunning_letter_job_title",
            "arch": (
                '<t t-name="account_dunning_advanced.dunning_letter_job_title">'
                '<t t-call="web.html_container"><t t-foreach="docs" t-as="doc">'
                '<p>To the <t t-out="doc.contact_id.function.upper()"/>, '
                '<t t-out="doc.partner_id.name"/></p>'
                "</t></t></t>"
            ),
        }
    )
    return env["ir.actions.report"].create(
        {
            "name": "Letter to the job title",
            "model": "dunning.communication",
            "report_type": "qweb-pdf",
            "report_name": view.key,
        }
    )


@tagged("post_install", "-at_install")
class TestDunningChannelIsolation(DunningDispatchCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_en.function = "Accounts Payable"
        cls.customer_fr.function = False

    def _reminders(self, tone="friendly", **values):
        return self._communication(
            self.customer_en, tone, **values
        ) | self._communication(self.customer_fr, tone, **values)

    def test_email_template_broken_for_one_customer(self):
        self.levels["friendly"].mail_template_id = _broken_for_some_template(self.env)
        ok, broken = self._reminders()
        with mute_logger(*COMM_LOGGERS):
            as_job(ok | broken)._dispatch()
        self.assertEqual(ok.email_state, "pending")
        self.assertIn("To the ACCOUNTS PAYABLE", str(ok.mail_id.body_html))
        self.assertEqual(ok.state, "queued")
        self.assertFalse(broken.mail_id, "nothing half-rendered leaves")
        self.assertEqual(broken.email_state, "failed")
        self.assertEqual(broken.state, "failed")
        self.assertIn("Email: the template could not be rendered", broken.error_message)
        todo = self.customer_fr.activity_ids.filtered(
            lambda a: broken.name in (a.summary or "")
        )
        self.assertEqual(todo.user_id, self.collector, "the collector is told")

    def test_invalid_email_address_gets_a_letter_the_rest_emails(self):
        self.customer_fr.email = "compta at dupont"
        ok, bad = self._reminders()
        as_job(ok | bad)._dispatch()
        self.assertEqual(ok.email_state, "pending")
        self.assertTrue(ok.mail_id)
        self.assertFalse(bad.mail_id)
        self.assertTrue(bad.channel_letter)
        self.assertIn("no email address", bad.skipped_channels)
        self.assertEqual(bad.letter_state, "done", "a short batch renders at once")

    def test_missing_or_refused_mobile_fails_the_sms_alone(self):
        """Without a mobile number the SMS of that reminder is dropped; a
        number the SMS provider refuses fails that SMS alone (Odoo's own
        state update of the provider's answer). Without the ``phonenumbers``
        library Odoo cannot check numbers beforehand: the provider does."""
        third = self.customer_en.copy({"name": "Jones Ltd", "mobile": "+44 12"})
        third.with_company(self.company).dunning_collector_id = self.collector
        self.invoices[third] = self._dunning_invoice(
            third, "2026-01-10", "2026-02-09", 300.0, self.company.currency_id
        )
        self.customer_fr.mobile = False
        ok, none = self._reminders(channel_sms=True)
        refused = self._communication(third, "friendly", channel_sms=True)
        as_job(ok | none | refused)._dispatch()
        self.assertEqual(ok.sms_state, "pending")
        self.assertIn("7700 900123", ok.sms_id.number)
        self.assertFalse(none.channel_sms, "no SMS without a number")
        self.assertFalse(none.sms_id)
        self.assertIn("has no mobile number", none.skipped_channels)
        self.assertEqual(none.email_state, "pending", "its email still went")
        self.assertEqual(refused.sms_state, "pending")
        refused.sms_id._update_sms_state_and_trackers(
            "error", failure_type="sms_number_format"
        )
        self.assertEqual(refused.sms_state, "failed")
        self.assertEqual(ok.sms_state, "pending")
        self.assertEqual(refused.state, "queued", "its email still went")

    def test_letter_broken_for_one_customer(self):
        self.levels["formal"].letter_report_id = _broken_for_some_letter(self.env)
        ok, broken = self._reminders("formal", channel_email=False, channel_letter=True)
        with mute_logger(*COMM_LOGGERS, "odoo.addons.base.models.ir_actions_report"):
            as_job(ok | broken)._dispatch()
            self.assertEqual(ok.letter_state, "done")
            self.assertIn(b"ACCOUNTS PAYABLE", ok.letter_attachment_id.raw)
            self.assertEqual(broken.letter_state, "pending")
            self.assertEqual(broken.letter_attempts, 1)
            Communication = as_job(self.env["dunning.communication"])
            Communication._cron_produce_documents()
            Communication._cron_produce_documents()
        self.assertEqual(broken.letter_state, "failed")
        self.assertFalse(broken.letter_attachment_id)
        self.assertTrue(broken.letter_error)
        self.assertEqual(ok.letter_state, "done")


@tagged("post_install", "-at_install")
@freeze_time(DUE + timedelta(days=16))
class TestDunningRunIsolation(DunningEngineCommon):
    """Through the run: the failed reminder is in the run log with its
    reason, the other customers are reminded."""

    def test_broken_template_for_one_customer_in_the_run_log(self):
        self.standard.business_days_only = False
        good = self.customer | self.other_customer
        good.write({"function": "Accounts Payable"})
        odd = self._customer("Petit SAS", function=False)
        for customer in good | odd:
            self._invoice(customer, DUE)
        friendly = self.level["friendly"]
        friendly.mail_template_id = _broken_for_some_template(self.env)
        friendly.variant_ids.active = False  # the demo data's A/B test
        with mute_logger(*COMM_LOGGERS):
            run = self._run(DUE + timedelta(days=16))
        self.assertEqual(run.state, "done")
        for customer in good:
            self.assertEqual(self._comms(customer).email_state, "pending")
        self.assertEqual(self._comms(odd).state, "failed")
        errors = self._logs(run, "error")
        self.assertEqual(errors.partner_id, odd)
        self.assertIn("could not be rendered", errors.message)
        self.assertEqual(run.error_count, 1)
        self.assertEqual(run.communication_count, 3)
