# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import importlib.util
from pathlib import Path

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.account_dunning_advanced.models.dunning_channel_email import (
    body_view_call,
)

from .common import as_job
from .dunning_dispatch_common import TODAY, DunningDispatchCommon
from .test_dunning_smtp_delivery import free_port, real_delivery, smtp_server
from .workspace_common import DunningWorkspaceCommon

MIGRATION = (
    Path(__file__).parents[1]
    / "migrations"
    / "18.0.2.3.0"
    / "post-mail_template_bodies.py"
)
FORMER_BODY = (
    '<t t-call="account_dunning_advanced.dunning_reminder_email">'
    '<t t-set="tone" t-value="\'%s\'"></t></t>'
)
# a sentence of each tone's body, in English and in French
TONE_TEXT = {
    "courtesy": (
        "This is a friendly reminder that the following amounts for",
        "Pour rappel, les montants suivants concernant",
    ),
    "friendly": (
        "Unless we are mistaken, the following invoices for",
        "Sauf erreur de notre part, les factures suivantes concernant",
    ),
    "formal": (
        "Despite our previous reminders, the following invoices for",
        "Malgré nos précédentes relances, les factures suivantes de",
    ),
    "final": ("Final notice.", "Mise en demeure."),
}


def template(env, tone):
    return env.ref(f"account_dunning_advanced.mail_template_dunning_{tone}")


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestDunningTemplateBodies(DunningDispatchCommon):
    """The text of each tone's email is the body of its mail template, in
    each language, as Odoo's template editor shows and edits it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.module.module"]._load_module_terms(
            ["account_dunning_advanced"], ["fr_FR"], overwrite=True
        )

    def _send(self, comms):
        return as_job(self.env["dunning.channel.email"])._create_mails(comms)

    def _second_customer(self, name, tone, like=None):
        """A reminder of ``tone`` to another customer like ``like`` (the
        French one), of an invoice of its own."""
        customer = (like or self.customer_fr).copy({"name": name})
        customer.with_company(self.company).dunning_collector_id = self.collector
        invoice = self._dunning_invoice(
            customer, "2026-01-01", "2026-02-01", 100.0, self.company.currency_id
        )
        return self._communication(customer, tone, moves=invoice)

    def test_each_tone_body_holds_its_text_in_both_languages(self):
        for tone, (english, french) in TONE_TEXT.items():
            with self.subTest(tone=tone):
                body_en = str(
                    template(self.env, tone).with_context(lang="en_US").body_html
                )
                body_fr = str(
                    template(self.env, tone).with_context(lang="fr_FR").body_html
                )
                self.assertFalse(body_view_call(body_en))
                for body, text, greeting in (
                    (body_en, english, "Kind regards,"),
                    (body_fr, french, "Cordialement,"),
                ):
                    self.assertIn(text, body)
                    self.assertIn(greeting, body)
                    # the invoices, payment and links stay views it calls
                    self.assertIn("dunning_reminder_email_items", body)
                    self.assertIn("dunning_reminder_payment", body)
                self.assertNotIn(english, body_fr)

    def test_french_text_edited_reaches_french_customers_only(self):
        formal = template(self.env, "formal")
        french = str(formal.with_context(lang="fr_FR").body_html)
        # as the editor saves it for a user working in French
        formal.with_context(lang="fr_FR").write(
            {
                "body_html": french.replace(
                    "Nous vous demandons de les régler sans délai.",
                    "Merci de régler ces factures sous huit jours.",
                )
            }
        )
        self.assertNotIn(
            "sous huit jours", str(formal.with_context(lang="en_US").body_html)
        )
        comm_fr = self._communication(self.customer_fr, "formal")
        comm_en = self._communication(self.customer_en, "formal")
        self._send(comm_fr | comm_en)
        body_fr, body_en = (
            str(comm_fr.mail_id.body_html),
            str(comm_en.mail_id.body_html),
        )
        self.assertIn("Merci de régler ces factures sous huit jours.", body_fr)
        self.assertNotIn("Nous vous demandons de les régler sans délai.", body_fr)
        # the rest of the French body, and the views it calls, still render
        self.assertIn("Malgré nos précédentes relances", body_fr)
        self.assertIn(self.invoices[self.customer_fr][0].name, body_fr)
        self.assertIn("FR76 3000 4000 0312 3456 7890 143", body_fr)
        self.assertNotIn("sous huit jours", body_en)
        self.assertIn("We ask you to settle them without delay.", body_en)

    def test_english_text_edited_leaves_the_french_body(self):
        friendly = template(self.env, "friendly")
        english = str(friendly.with_context(lang="en_US").body_html)
        friendly.with_context(lang="en_US").write(
            {"body_html": english.replace("Kind regards,", "Best wishes,")}
        )
        comm_fr = self._communication(self.customer_fr, "friendly")
        comm_en = self._communication(self.customer_en, "friendly")
        self._send(comm_fr | comm_en)
        self.assertIn("Best wishes,", str(comm_en.mail_id.body_html))
        self.assertIn("Cordialement,", str(comm_fr.mail_id.body_html))
        self.assertNotIn("Best wishes,", str(comm_fr.mail_id.body_html))

    def test_dispatch_sends_what_the_template_preview_shows(self):
        """The batch render of the dispatch gives each reminder exactly the
        body Odoo's template preview shows for it, in its language."""
        comms = as_job(self.env["dunning.communication"])
        for partner in (self.customer_fr, self.customer_en):
            for tone in ("friendly", "formal"):
                comms |= self._communication(partner, tone, penalties=True)
        # two reminders of the same template and language: one batch render
        comms |= self._second_customer("Martin SA", "formal")
        self._send(comms)
        for comm in comms:
            lang = comm._dunning_lang()
            with self.subTest(reminder=comm.name, lang=lang):
                preview = self.env["mail.template.preview"].create(
                    {
                        "mail_template_id": template(self.env, comm.tone).id,
                        "resource_ref": f"dunning.communication,{comm.id}",
                        "lang": lang,
                    }
                )
                self.assertTrue(comm.mail_id.body_html)
                self.assertEqual(preview.body_html, comm.mail_id.body_html)
                self.assertEqual(preview.subject, comm.mail_id.subject)

    def test_batch_with_a_broken_reminder_renders_the_others(self):
        """A body that fails for one reminder fails that one only."""
        formal = template(self.env, "formal")
        english = str(formal.with_context(lang="en_US").body_html)
        formal.with_context(lang="en_US").write(
            {
                "body_html": english.replace(
                    "<p t-out=\"v['greeting']\"/>",
                    "<p t-out=\"v['greeting']\"/>"
                    "<p t-out=\"1 / (object.partner_id.name != 'Broken Ltd')\"/>",
                )
            }
        )
        broken = self._second_customer("Broken Ltd", "formal", self.customer_en)
        good = self._communication(self.customer_en, "formal")
        self._send(good | broken)
        self.assertTrue(good.mail_id)
        self.assertIn("Despite our previous reminders", str(good.mail_id.body_html))
        self.assertFalse(broken.mail_id)
        self.assertIn("could not be rendered", broken.error_message)

    def test_migration_replaces_the_former_bodies_only(self):
        """18.0.2.2.0 -> 18.0.2.3.0: a body still calling the former view
        with its tone takes the body with the text, in English and, from the
        shipped translation, in French; an edited body is kept."""
        formal, final = template(self.env, "formal"), template(self.env, "final")
        shipped_en = str(formal.with_context(lang="en_US").body_html)
        for tone in ("formal", "final"):
            template(self.env, tone).update_field_translations(
                "body_html",
                {"en_US": FORMER_BODY % tone, "fr_FR": FORMER_BODY % tone},
            )
        final.with_context(lang="en_US").body_html = (
            "<p>Our own final notice.</p>" + FORMER_BODY % "final"
        )
        edited = str(final.with_context(lang="en_US").body_html)
        spec = importlib.util.spec_from_file_location("bodies_post", MIGRATION)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.migrate.__wrapped__(self.env, "18.0.2.2.0")
        # what Odoo does after the migration scripts of an update
        self.env["ir.module.module"]._load_module_terms(
            ["account_dunning_advanced"], ["fr_FR"]
        )
        formal.invalidate_recordset()
        self.assertEqual(str(formal.with_context(lang="en_US").body_html), shipped_en)
        self.assertIn(
            "Malgré nos précédentes relances",
            str(formal.with_context(lang="fr_FR").body_html),
        )
        self.assertEqual(str(final.with_context(lang="en_US").body_html), edited)
        comm = self._communication(self.customer_fr, "formal")
        self._send(comm)
        self.assertIn("Malgré nos précédentes relances", str(comm.mail_id.body_html))


@tagged("post_install", "-at_install")
class TestDunningLevelPreviewAndTest(DunningWorkspaceCommon):
    """The level's preview shows what the run sends; Send Test says whether
    the email left."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager.email = "marc@example.com"
        cls.company.email = "relances@example.com"

    def _wizard(self, level, action="action_preview_email"):
        result = getattr(level.with_user(self.manager), action)()
        return (
            self.env["dunning.level.preview.wizard"]
            .with_user(self.manager)
            .browse(result["res_id"])
        )

    @freeze_time(TODAY)
    def test_level_preview_is_what_the_run_sends(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["account_dunning_advanced"], ["fr_FR"], overwrite=True
        )
        self.customer.lang = "fr_FR"
        wizard = self._wizard(self.level_friendly)
        self.assertEqual(wizard.lang, "fr_FR")
        self._run(TODAY)
        reminder = self._communications()
        self.assertEqual(reminder.level_id, self.level_friendly)
        self.assertIn("Sauf erreur de notre part", str(reminder.mail_id.body_html))
        self.assertEqual(wizard.body_html, reminder.mail_id.body_html)
        self.assertEqual(wizard.subject, reminder.mail_id.subject)

    def _smtp_server(self, port):
        self.env["ir.mail_server"].search([]).active = False
        self.env["ir.mail_server"].create(
            {
                "name": "Test SMTP",
                "smtp_host": "127.0.0.1",
                "smtp_port": port,
                "smtp_encryption": "none",
            }
        )

    @freeze_time(TODAY)
    def test_send_test_through_a_refusing_server_says_why(self):
        self._smtp_server(free_port())  # nothing listens there
        wizard = self._wizard(self.level_formal, "action_send_test_email")
        with real_delivery(), self.assertRaises(UserError) as error:
            wizard.action_send_test()
        self.assertIn("was not sent", str(error.exception))
        self.assertIn("marc@example.com", str(error.exception))
        self.assertIn("Connection refused", str(error.exception))

    @freeze_time(TODAY)
    def test_send_test_through_an_accepting_server_is_sent(self):
        class Handler:
            received = []

            async def handle_DATA(self, server, session, envelope):
                self.received.append((envelope.rcpt_tos, envelope.content))
                return "250 Message accepted for delivery"

        handler = Handler()
        port = free_port()
        self.addCleanup(smtp_server(handler, port).stop)
        self._smtp_server(port)
        wizard = self._wizard(self.level_formal, "action_send_test_email")
        with real_delivery():
            action = wizard.action_send_test()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("marc@example.com", action["params"]["message"])
        self.assertEqual(len(handler.received), 1)
        recipients, content = handler.received[0]
        self.assertEqual(recipients, ["marc@example.com"])
        self.assertIn(b"[TEST]", content)
        # sent and gone (auto-deleted): no email left in the queue
        self.assertFalse(
            self.env["mail.mail"].search([("email_to", "ilike", "marc@example.com")])
        )
        self.assertFalse(self._communications())
