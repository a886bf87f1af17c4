# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What each group may read, write, create, unlink and call, over JSON-RPC
with sessions of real users: what the views show does not matter here."""

from datetime import timedelta

from odoo.tests import HttpCase, JsonRpcException, new_test_user, tagged

from .common import as_job, create_dunning_users
from .dunning_engine_common import DUE, DunningEngineCommon

ACCESS_ERROR = "odoo.exceptions.AccessError"


@tagged("post_install", "-at_install")
class TestDunningAccessRights(DunningEngineCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Company B"})
        cls.collector, cls.manager = create_dunning_users(cls.env, cls.company)
        cls.collector_b, cls.manager_b = create_dunning_users(cls.env, cls.company_b)
        cls.internal = new_test_user(
            cls.env,
            login="plain_employee",
            groups="base.group_user",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )
        cls.portal = new_test_user(
            cls.env, login="portal_customer", groups="base.group_portal"
        )
        cls.invoice = cls._invoice(cls.customer, DUE)
        cls.other_invoice = cls._invoice(cls.other_customer, DUE)
        cls.dispute = cls.env["dunning.dispute"].create(
            {
                "move_id": cls._invoice(cls.customer, DUE, 300.0).id,
                "reason_id": cls.env["dunning.dispute.reason"].search([], limit=1).id,
            }
        )
        # the fixture is what the job leaves: two reminders waiting for a
        # manager's approval, with their items and the run's log
        cls.level["friendly"].needs_approval = True
        cls.dunning_run = as_job(cls.env["dunning.run"])._run_company(
            cls.company, DUE + timedelta(days=6), "manual", dry_run=False
        )
        cls.reminder = cls.dunning_run.communication_ids.filtered(
            lambda c: c.partner_id == cls.customer
        )
        cls.line = cls.reminder.line_ids
        cls.final_notice = cls.dunning_run.communication_ids - cls.reminder
        cls.scenario = cls.env["dunning.scenario"].create(
            {
                "name": "Company A scenario",
                "company_id": cls.company.id,
                "level_ids": [(0, 0, {"name": "Friendly", "offset_days": 10})],
            }
        )
        cls.promise = cls.env["dunning.promise"].create(
            {
                "partner_id": cls.customer.id,
                "company_id": cls.company.id,
                "date": DUE + timedelta(days=20),
                "amount": 500.0,
            }
        )
        cls.status = cls.env["dunning.einvoice.status"].create(
            {"move_id": cls.invoice.id, "status": "received", "date": DUE}
        )
        cls.lawyer = cls.env["res.partner"].create({"name": "Maître Dupont"})
        cls.litigation = cls.env["dunning.litigation"].create(
            {
                "partner_id": cls.other_customer.id,
                "company_id": cls.company.id,
                "agent_id": cls.lawyer.id,
                "agent_kind": "lawyer",
            }
        )
        cls.records = {
            "reminder": cls.reminder,
            "line": cls.line,
            "run": cls.dunning_run,
            "promise": cls.promise,
            "dispute": cls.dispute,
            "status": cls.status,
            "litigation": cls.litigation,
            "scenario": cls.scenario,
            "log": cls.dunning_run.log_ids.filtered(
                lambda log: log.reason == "disputed"
            ),
        }

    def setUp(self):
        super().setUp()
        self.declaration = self._declare_paid()
        self.records = dict(self.records, declaration=self.declaration)
        # each record of the fixture exists, or the refusals below prove nothing
        for name, record in self.records.items():
            self.assertEqual(len(record), 1, name)
        self.assertRecordValues(
            self.reminder | self.final_notice,
            [{"state": "to_approve"}, {"state": "to_approve"}],
        )

    def _declare_paid(self):
        """A payment declared by the customer on its page: the portal, behind
        its token, is the only way such a record is made."""
        self.authenticate(None, None)
        path = f"/dunning/customer/{self.reminder._dunning_channel_token()}"
        page = self.url_open(path)
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        self.url_open(
            f"{path}/paid",
            data={
                "move_ids": str(self.invoice.id),
                "payment_date": str(DUE),
                "amount": "1000",
                "csrf_token": csrf,
            },
        )
        declaration = self.env["dunning.payment.declaration"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(len(declaration), 1)
        return declaration

    # ------------------------------------------------------------------
    def _rpc(self, user, model, method, *args, **kwargs):
        self.authenticate(user.login, user.login)
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def _call(self, user, record, method, *args):
        return self._rpc(user, record._name, method, record.ids, *args)

    def _refused(self, user, record, method, *args, error=ACCESS_ERROR):
        with self.assertRaises(JsonRpcException) as caught:
            self._call(user, record, method, *args)
        self.assertIn(error, str(caught.exception.args))

    def _create_refused(self, user, model, values):
        with self.assertRaises(JsonRpcException) as caught:
            self._rpc(user, model, "create", values)
        self.assertIn(ACCESS_ERROR, str(caught.exception.args))

    def _visible(self, user, model):
        return {
            row["id"]
            for row in self._rpc(user, model, "search_read", [], fields=["id"])
        }

    # ------------------------------------------------------------------
    def test_plain_internal_user_reads_nothing_of_the_dunning(self):
        for name, record in self.records.items():
            if name == "scenario":
                continue
            with self.subTest(record=name):
                self._refused(self.internal, record, "read", ["display_name"])
        # the scenarios are configuration, read by every employee (the
        # customer form shows them), changed by managers only
        self._call(self.internal, self.scenario, "read", ["name"])
        self._refused(self.internal, self.scenario, "write", {"name": "Mine"})
        self._create_refused(
            self.internal,
            "dunning.promise",
            {
                "partner_id": self.customer.id,
                "date": str(DUE),
                "amount": 1.0,
            },
        )

    def test_portal_user_gets_access_errors_everywhere(self):
        for name, record in self.records.items():
            with self.subTest(record=name):
                self._refused(self.portal, record, "read", ["display_name"])
        self._refused(self.portal, self.final_notice, "action_approve")

    def test_other_company_user_sees_nothing_of_company_a(self):
        for user in (self.collector_b, self.manager_b):
            for name, record in self.records.items():
                with self.subTest(user=user.login, record=name):
                    self._refused(user, record, "read", ["display_name"])
                    self.assertNotIn(record.id, self._visible(user, record._name))
            self._refused(user, self.final_notice, "action_approve")
        self.assertEqual(self.final_notice.state, "to_approve")

    def test_collector_reads_and_acts_through_buttons(self):
        for name, record in self.records.items():
            with self.subTest(record=name):
                self.assertEqual(
                    self._call(self.collector, record, "read", ["display_name"])[0][
                        "id"
                    ],
                    record.id,
                )
        # state and content of a reminder: only the job and the queues
        for values in (
            {"state": "sent"},
            {"state": "cancelled"},
            {"amount_due": 1.0},
            {"level_id": self.level["final"].id},
            {"channel_letter": True},
        ):
            with self.subTest(values=values):
                self._refused(self.collector, self.reminder, "write", values)
        # its items, their state included
        self._refused(self.collector, self.line, "write", {"state": "cancelled"})
        self._refused(self.collector, self.line, "unlink")
        self._create_refused(
            self.collector,
            "dunning.communication",
            {
                "name": "FAKE",
                "date": str(DUE),
                "company_id": self.company.id,
                "partner_id": self.customer.id,
                "level_id": self.level["final"].id,
            },
        )
        self._refused(self.collector, self.reminder, "unlink")
        # managers' buttons and configuration
        self._refused(self.collector, self.final_notice, "action_approve")
        self._refused(self.collector, self.final_notice, "action_reject")
        self._refused(self.collector, self.final_notice, "action_cancel")
        self._refused(self.collector, self.scenario, "write", {"name": "Mine"})
        self._refused(self.collector, self.dunning_run, "write", {"name": "RUN/FAKE"})
        # a promise is cancelled, never deleted by a collector
        self._call(self.collector, self.promise, "action_cancel")
        self.assertEqual(self.promise.state, "cancelled")
        self._refused(self.collector, self.promise, "unlink")
        self._refused(self.collector, self.dispute, "unlink")
        self.assertRecordValues(
            self.reminder,
            [{"state": self.reminder.state, "amount_due": self.reminder.amount_due}],
        )
        self.assertEqual(self.final_notice.state, "to_approve")
        # what collectors do: promises and disputes with their own rights
        promise_id = self._rpc(
            self.collector,
            "dunning.promise",
            "create",
            {
                "partner_id": self.other_customer.id,
                "company_id": self.company.id,
                "date": str(DUE + timedelta(days=10)),
                "amount": 200.0,
            },
        )
        self.assertEqual(
            self.env["dunning.promise"].browse(promise_id).user_id, self.collector
        )
        self._call(self.collector, self.dispute, "action_resolve")
        self.assertEqual(self.dispute.state, "resolved")
        # a payment the customer declared: its note and its cancellation only
        self._refused(
            self.collector,
            self.declaration,
            "write",
            {"amount": 1.0},
            error="odoo.exceptions.UserError",
        )
        self._call(self.collector, self.declaration, "action_cancel")
        self.assertEqual(self.declaration.state, "cancelled")

    def test_manager_approves_but_never_sends(self):
        self._refused(self.manager, self.reminder, "write", {"state": "sent"})
        self._refused(self.manager, self.final_notice, "write", {"state": "queued"})
        self._refused(self.manager, self.line, "write", {"state": "sent"})
        self._refused(self.manager, self.reminder, "unlink")
        self._refused(self.manager, self.dunning_run, "unlink")
        self._call(self.manager, self.final_notice, "action_approve")
        self.assertRecordValues(
            self.final_notice,
            [{"state": "queued", "approved_by_id": self.manager.id}],
        )
        self._call(self.manager, self.scenario, "write", {"name": "Renamed"})
        self.assertEqual(self.scenario.name, "Renamed")

    def test_manager_approval_is_sent_by_the_job(self):
        """Approving checks the manager's group and records the decision; the
        reminder is sent by the scheduled job the approval triggers, not
        inside the manager's request. The decision's own path is private."""
        cron = self.env.ref("account_dunning_advanced.ir_cron_dunning_documents")
        Trigger = self.env["ir.cron.trigger"]
        triggers = Trigger.search([("cron_id", "=", cron.id)])
        self._refused(self.manager, self.final_notice, "_dunning_decide", "queued")
        self._refused(self.manager, self.final_notice, "_dunning_items_follow", "sent")
        self.assertEqual(self.final_notice.state, "to_approve")
        self._call(self.manager, self.final_notice, "action_approve")
        self.assertRecordValues(
            self.final_notice,
            [{"state": "queued", "approved_by_id": self.manager.id, "mail_id": False}],
        )
        self.assertTrue(Trigger.search([("cron_id", "=", cron.id)]) - triggers)
        cron.method_direct_trigger()
        self.assertTrue(self.final_notice.mail_id, "the job queued its email")
        self.assertEqual(self.final_notice.line_ids.mapped("state"), ["queued"])

    def test_litigation_hand_over_only_through_its_button(self):
        """The hand-over's fields cannot be written over RPC, whatever the
        context a client sends (a context key used to open that door)."""
        hand_over = {"dunning_litigation_hand_over": True}
        for values in (
            {"state": "done"},
            {"amount_due": 1.0},
            {"attachment_ids": [(6, 0, [])]},
        ):
            with self.subTest(values=values), self.assertRaises(JsonRpcException):
                self._rpc(
                    self.collector,
                    "dunning.litigation",
                    "write",
                    self.litigation.ids,
                    values,
                    context=hand_over,
                )
        self._refused(self.collector, self.litigation, "_write_hand_over", {})
        self.assertRecordValues(self.litigation, [{"state": "draft", "amount_due": 0}])
        self._refused(self.internal, self.litigation, "action_hand_over")
        self._call(self.collector, self.litigation, "action_hand_over")
        self.assertEqual(self.litigation.state, "done")
        self.assertEqual(len(self.litigation.attachment_ids), 3)
        self.assertTrue(
            self.other_customer.with_company(self.company).dunning_litigation
        )
        self.assertEqual(self.final_notice.state, "cancelled", "not sent any more")

    def test_run_logs_are_history(self):
        log = self.records["log"]
        self._refused(self.manager, log, "write", {"reason": False})
        self._create_refused(
            self.manager,
            "dunning.run.log",
            {
                "run_id": self.dunning_run.id,
                "partner_id": self.customer.id,
                "reason": "in_payment",
            },
        )

    # ------------------------------------------------------------------
    # A customer's contact, changed from a call's outcome
    # ------------------------------------------------------------------
    def _wrong_contact(self, user, contact):
        wizard_id = self._rpc(
            user,
            "dunning.call.outcome.wizard",
            "create",
            {
                "partner_id": self.customer.id,
                "company_id": self.company.id,
                "outcome": "wrong_contact",
                "contact_id": contact.id,
                "contact_email": "new@durand.example",
            },
        )
        self.authenticate(user.login, user.login)
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": "dunning.call.outcome.wizard",
                "method": "action_confirm",
                "args": [[wizard_id]],
                "kwargs": {},
            },
        )

    def test_call_outcome_writes_the_contact_with_the_collector_rights(self):
        contact = self.env["res.partner"].create(
            {"name": "Accounting", "parent_id": self.customer.id, "type": "invoice"}
        )
        with self.assertRaises(JsonRpcException) as caught:
            self._wrong_contact(self.collector, contact)
        self.assertIn(ACCESS_ERROR, str(caught.exception.args))
        self.assertFalse(contact.email)
        # with the right to edit contacts (Odoo's "Contact Creation")
        self.collector.groups_id |= self.env.ref("base.group_partner_manager")
        self._wrong_contact(self.collector, contact)
        self.assertEqual(contact.email, "new@durand.example")


@tagged("post_install", "-at_install")
class TestDunningPreviewRights(DunningEngineCommon, HttpCase):
    """A level's email is previewed with the rights of the user who previews."""

    SECRET = "Confidential Customer of Company B"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Company B"})
        cls.env["res.partner"].create(
            {"name": cls.SECRET, "company_id": cls.company_b.id}
        )
        cls.collector, cls.manager = create_dunning_users(cls.env, cls.company)
        cls._invoice(cls.customer, DUE)
        # written by a template editor (the test's accountant): it lists the
        # customers it can find, whatever their company
        cls.template = cls.env["mail.template"].create(
            {
                "name": "Indiscreet reminder",
                "model_id": cls.env["ir.model"]._get_id("dunning.communication"),
                "subject": "Reminder {{ object.partner_id.name }}",
                "body_html": "<p>Customers: <t t-out=\"', '.join("
                "object.env['res.partner'].search([('company_id', '!=', False)])"
                ".mapped('name'))\"/></p>",
            }
        )
        cls.level["friendly"].mail_template_id = cls.template

    def _preview(self, user, companies=None):
        self.authenticate(user.login, user.login)
        action = self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": "dunning.level",
                "method": "action_preview_email",
                "args": [self.level["friendly"].ids],
                "kwargs": {
                    "context": {"allowed_company_ids": (companies or self.company).ids}
                },
            },
        )
        return self.env["dunning.level.preview.wizard"].browse(action["res_id"])

    def test_preview_renders_with_the_previewing_user_rights(self):
        self.assertFalse(
            self.manager.has_group("mail.group_mail_template_editor"),
            "the manager is no template editor",
        )
        wizard = self._preview(self.manager)
        self.assertFalse(wizard.error)
        self.assertEqual(wizard.subject, "Reminder Durand SA")
        self.assertIn("Customers:", str(wizard.body_html))
        self.assertNotIn(self.SECRET, str(wizard.body_html))
        # a manager of both companies does read it through the same template
        self.manager.company_ids |= self.company_b
        wizard = self._preview(self.manager, self.company | self.company_b)
        self.assertIn(self.SECRET, str(wizard.body_html))

    def test_manager_cannot_put_code_in_a_template(self):
        self.authenticate(self.manager.login, self.manager.login)
        with self.assertRaises(JsonRpcException) as caught:
            self.make_jsonrpc_request(
                "/web/dataset/call_kw",
                {
                    "model": "mail.template",
                    "method": "create",
                    "args": [
                        {
                            "name": "Mine",
                            "model_id": self.env["ir.model"]._get_id(
                                "dunning.communication"
                            ),
                            "body_html": "<p t-out=\"object.env['res.users']"
                            ".search([]).mapped('login')\"/>",
                        }
                    ],
                    "kwargs": {},
                },
            )
        self.assertIn(ACCESS_ERROR, str(caught.exception.args))
        self.assertFalse(self.env["mail.template"].search([("name", "=", "Mine")]))
