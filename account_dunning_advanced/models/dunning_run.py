# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
import time
from collections import defaultdict
from datetime import timedelta

import psycopg2

from odoo import _, api, fields, models, modules
from odoo.tools import SQL, config, mute_logger

_logger = logging.getLogger(__name__)

SCHEDULED_CRON = "account_dunning_advanced.ir_cron_dunning_run"
REQUESTED_CRON = "account_dunning_advanced.ir_cron_dunning_requested_runs"
TIME_BUDGET_PARAM = "account_dunning_advanced.cron_time_budget"
# scheduled actions sharing one run (and one letter queue): the action itself and
# as many copies of it, each an Odoo cron job of its own, claiming slices
WORKERS_PARAM = "account_dunning_advanced.cron_workers"
# seconds of work per scheduled call, at most a sixth of the cron worker's
# time limit: the worker's sleep between loops (up to 70 s) counts against
# that limit too, and both dunning jobs (runs, documents) may run in one loop
DEFAULT_TIME_BUDGET = 60
LIMIT_SHARE = 6
# a customer held by another transaction is tried this many times, a minute
# more apart each time, then logged
MAX_LOCK_ATTEMPTS = 5
# claims of the run's next customers that met a concurrent removal, in a row
MAX_CLAIM_ATTEMPTS = 5


def can_commit(env):
    """Whether a scheduled job may commit its work: never while modules load
    (demo data runs jobs inside the installation's transaction) nor in
    tests."""
    return env.registry.ready and not modules.module.current_test


def cron_deadline(env):
    """``time.monotonic()`` value at which a scheduled call stops taking new
    work. The calls Odoo's runner chains within one loop of a cron worker
    (same cursor) share one budget: the worker's time limit spans them all."""
    budget = float(
        env["ir.config_parameter"].get_param(TIME_BUDGET_PARAM) or DEFAULT_TIME_BUDGET
    )
    limit = config.get("limit_time_real_cron")
    if limit is None or limit < 0:
        limit = config.get("limit_time_real")
    if limit and limit > 0:
        budget = min(budget, limit / LIMIT_SHARE)
    start = time.monotonic()
    cron_id = env.context.get("cron_id")
    if cron_id:
        start = env.cr.cache.setdefault(("dunning_cron_start", cron_id), start)
    return start + budget


def cron_workers(env):
    """How many scheduled actions share the daily run and the letter queue
    (the "dunning workers" system parameter, 1 by default)."""
    try:
        return max(
            int(env["ir.config_parameter"].sudo().get_param(WORKERS_PARAM, 1)), 1
        )
    except ValueError:
        return 1


def wake_workers(env, cron_xmlid):
    """Let the copies of the scheduled action ``cron_xmlid`` share its work:
    Odoo runs one instance of a scheduled action at a time, so each extra
    worker is a copy of it (created on the first need, deactivated when the
    setting goes down), triggered here at once. Each copy claims its own
    slices with ``SKIP LOCKED``, like the action itself. Only the action
    itself wakes its copies (``cron_id`` is the running job's)."""
    main = env.ref(cron_xmlid, raise_if_not_found=False)
    if not main or env.context.get("cron_id") != main.id:
        return env["ir.cron"]
    wanted = cron_workers(env) - 1
    # boundary: the scheduled job (OdooBot) manages its own scheduled actions
    Cron = env["ir.cron"].sudo().with_context(active_test=False)
    workers = Cron.search(
        [("model_id", "=", main.model_id.id), ("code", "=", main.code),
         ("id", "!=", main.id)],
        order="id",
    )  # fmt: skip
    if not wanted and not workers.filtered("active"):
        return env["ir.cron"]
    for number in range(len(workers) + 2, wanted + 2):
        workers |= main.sudo().copy(
            {
                "name": env._(
                    "%(name)s (worker %(number)s)", name=main.name, number=number
                )
            }
        )
    change = workers[:wanted].filtered(lambda c: not c.active)
    change |= workers[wanted:].filtered("active")
    if change:
        # a copy at work holds its row: left as it is until the next call
        env.cr.execute(
            SQL(
                "SELECT id FROM ir_cron WHERE id = ANY(%s) "
                "FOR NO KEY UPDATE SKIP LOCKED",
                change.ids,
            )
        )
        free = Cron.browse([row[0] for row in env.cr.fetchall()])
        for cron in free:
            cron.active = cron in workers[:wanted]
    active = workers[:wanted].filtered("active")
    for cron in active:
        cron._trigger()
    return active


class DunningRun(models.Model):
    _name = "dunning.run"
    _description = "Dunning Run"
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, readonly=True, default="/", copy=False)
    date = fields.Date(required=True, default=fields.Date.context_today, readonly=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    trigger = fields.Selection(
        [("scheduled", "Scheduled"), ("manual", "Manual"), ("preview", "Preview")],
        required=True,
        default="manual",
        readonly=True,
    )
    state = fields.Selection(
        [
            ("running", "Running"),
            ("done", "Done"),
            ("failed", "Failed"),
        ],
        default="running",
        required=True,
        readonly=True,
    )
    user_id = fields.Many2one(
        "res.users", default=lambda self: self.env.user, readonly=True
    )
    start_datetime = fields.Datetime(default=fields.Datetime.now, readonly=True)
    end_datetime = fields.Datetime(readonly=True)
    duration = fields.Float(string="Duration (s)", readonly=True, digits=(16, 2))
    partner_count = fields.Integer(
        string="Customers Processed",
        readonly=True,
        help="Customers the run looked at and dealt with: reminded + skipped + "
        "failed.",
    )
    reminded_partner_count = fields.Integer(
        string="Customers Reminded",
        readonly=True,
        help="Customers who got at least one reminder from this run.",
    )
    skipped_partner_count = fields.Integer(
        string="Customers Skipped",
        readonly=True,
        help="Customers with overdue items but no reminder from this run, for "
        "the reasons of the log (promise, dispute, pause, minimum amount...).",
    )
    failed_partner_count = fields.Integer(
        string="Customers Failed",
        readonly=True,
        help="Customers not reminded because of an error (see the log).",
    )
    communication_count = fields.Integer(string="Reminders Created", readonly=True)
    skipped_count = fields.Integer(string="Items Skipped", readonly=True)
    error_count = fields.Integer(string="Errors", readonly=True)
    communication_ids = fields.One2many(
        "dunning.communication", "run_id", string="Reminders"
    )
    log_ids = fields.One2many("dunning.run.log", "run_id", string="Log")
    planned = fields.Boolean(
        readonly=True,
        help="Its customers are planned: those not reminded yet are left to do.",
    )
    todo_ids = fields.One2many(
        "dunning.run.partner", "run_id", string="Customers Left", readonly=True
    )
    requested_partner_ids = fields.Many2many(
        "res.partner",
        "dunning_run_requested_partner_rel",
        "run_id",
        "partner_id",
        string="Chosen Customers",
        readonly=True,
        help="The run reminds only these customers (all when empty).",
    )
    bypass_interval = fields.Boolean(
        string="Minimum Interval Ignored",
        readonly=True,
        help="The run sends even to customers reminded less than the "
        "scenario's minimum number of days ago.",
    )
    todo_total = fields.Integer(
        string="Customers to Remind",
        readonly=True,
        help="Customers the run planned to remind.",
    )
    todo_done = fields.Integer(
        string="Customers Done", compute="_compute_progress", compute_sudo=True
    )
    progress = fields.Float(compute="_compute_progress", compute_sudo=True)
    penalty_rate_warning = fields.Char(
        compute="_compute_penalty_rate_warning",
        help="Set when the run claimed French late-payment interest with an "
        "ECB reference rate older than the half-year.",
    )

    @api.depends("communication_ids.legal_regime", "communication_ids.penalty_rate")
    def _compute_penalty_rate_warning(self):
        for run in self:
            claimed = any(
                comm.legal_regime == "french_b2b" and comm.penalty_rate
                for comm in run.communication_ids
            )
            run.penalty_rate_warning = (
                claimed and run.company_id._dunning_penalty_rate_warning(run.date)
            ) or False

    @api.depends("todo_total", "todo_ids", "state")
    def _compute_progress(self):
        for run in self:
            run.todo_done = max(run.todo_total - len(run.todo_ids), 0)
            if run.todo_total:
                run.progress = 100.0 * run.todo_done / run.todo_total
            else:
                run.progress = 100.0 if run.state == "done" else 0.0

    def init(self):
        # one scheduled run per company and day, whatever the number of
        # workers or calls of the scheduled action
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS dunning_run_scheduled_uniq
            ON dunning_run (company_id, date) WHERE trigger = 'scheduled'
            """
        )

    # ------------------------------------------------------------------
    # Entry points
    # ------------------------------------------------------------------
    @api.model
    def _cron_run(self):
        """Scheduled action: a slice of today's runs of every company, within
        the time budget, committed; Odoo's runner calls it again while
        customers are left (``ir.cron._notify_progress``)."""
        deadline = cron_deadline(self.env)
        # letters and invoice PDFs take seconds each: their own queue
        runs = self.with_context(dunning_queue_documents=True)._scheduled_runs()
        if runs.filtered("planned"):
            # running and planned: customers are left to share
            wake_workers(self.env, SCHEDULED_CRON)
            self._commit()
        done = 0
        for run in runs:
            if time.monotonic() >= deadline:
                break
            done += run._resume(deadline)
        remaining = runs._remaining_count()
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        if remaining and not done:
            # nothing done in this call: the runner would wait for tomorrow
            runs._retrigger(deadline)
        return True

    @api.model
    def _cron_run_requested(self):
        """Scheduled action working the runs users asked for ("Run Dunning",
        "Send reminder now" for many customers): a slice within the time
        budget, committed, like the daily run; each user is told when the run
        is done."""
        deadline = cron_deadline(self.env)
        runs = self.with_context(dunning_queue_documents=True).search(
            [("trigger", "=", "manual"), ("state", "=", "running")], order="id"
        )
        done = 0
        for run in runs:
            if time.monotonic() >= deadline:
                break
            done += run._resume(deadline)
            if run.state == "done":
                run._notify_done()
                run._commit()
        runs = runs.filtered(lambda r: r.state == "running")
        remaining = runs._remaining_count()
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        if remaining and not done:
            runs._retrigger(deadline, REQUESTED_CRON)
        return True

    @api.model
    def _request(self, company, date, partner_ids=None, bypass_interval=False):
        """The run a user asks for ("Run Dunning", "Send reminder now"):
        recorded and left to the scheduled job, triggered at once, which the
        user watches on the run (as Odoo's batch sending does): nothing is
        reminded inside the user's request. A second request for the same
        whole run while it waits (a double click, another tab) shows the run
        already recorded."""
        if not partner_ids:
            waiting = self.search(
                [
                    ("company_id", "=", company.id),
                    ("date", "=", date),
                    ("trigger", "=", "manual"),
                    ("state", "=", "running"),
                    ("requested_partner_ids", "=", False),
                    ("bypass_interval", "=", bypass_interval),
                ],
                limit=1,
            )
            if waiting:
                return waiting
        # boundary: the run is the scheduled job's record (collectors only
        # read runs); the user's request records what the job is to do
        run = self.sudo().create(
            dict(
                self._run_values(company, date, "manual"),
                requested_partner_ids=[(6, 0, partner_ids or [])],
                bypass_interval=bypass_interval,
            )
        )
        self.env.ref(REQUESTED_CRON)._trigger()
        return run.with_env(self.env)

    def _notify_done(self):
        """Tell the user who asked for the run that it is done."""
        self.ensure_one()
        if not self.user_id:
            return
        self.user_id._bus_send(
            "simple_notification",
            {
                "type": "success" if not self.error_count else "warning",
                "title": _("Dunning run %(name)s done", name=self.name),
                "message": _(
                    "%(count)s reminder(s) created, %(errors)s error(s).",
                    count=self.communication_count,
                    errors=self.error_count,
                ),
            },
        )

    @api.model
    def _scheduled_runs(self):
        """Today's scheduled run of every company, created once; those of
        earlier days left unfinished are closed."""
        self.search(
            [
                ("state", "=", "running"),
                ("trigger", "!=", "scheduled"),
                ("start_datetime", "<", fields.Datetime.now() - timedelta(days=1)),
            ]
        ).write({"state": "failed"})
        runs = self.browse()
        for company in self.env["res.company"].search([]):
            today = fields.Date.context_today(self.with_company(company))
            stale = self.search(
                [
                    ("company_id", "=", company.id),
                    ("trigger", "=", "scheduled"),
                    ("state", "=", "running"),
                    ("date", "<", today),
                ]
            )
            for run in stale:
                run._close_unfinished("run_expired")
            runs |= self.with_company(company)._scheduled_run(company, today)
        self._commit()
        return runs.filtered(lambda r: r.state == "running")

    @api.model
    def _scheduled_run(self, company, date):
        domain = [
            ("company_id", "=", company.id),
            ("date", "=", date),
            ("trigger", "=", "scheduled"),
        ]
        run = self.search(domain, limit=1)
        if run:
            return run
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                return self.create(self._run_values(company, date, "scheduled"))
        except psycopg2.IntegrityError:
            # another worker created it meanwhile
            return self.search(domain, limit=1)

    @api.model
    def _run_values(self, company, date, trigger):
        return {
            "name": self.env["ir.sequence"]
            .with_company(company)
            .next_by_code("dunning.run")
            or "/",
            "date": date,
            "company_id": company.id,
            "trigger": trigger,
        }

    def _remaining_count(self):
        """Customers left to the runs, counting a run not planned yet as one."""
        if not self:
            return 0
        left = self.env["dunning.run.partner"].search_count(
            [("run_id", "in", self.ids)]
        )
        unplanned = self.filtered(lambda r: r.state == "running" and not r.planned)
        return left + len(unplanned)

    def _retrigger(self, deadline, cron_xmlid=SCHEDULED_CRON):
        """Call the scheduled action again: at once when this worker's budget
        is spent, else when the first held customer may be tried again."""
        cron = self.env.ref(cron_xmlid, raise_if_not_found=False)
        if not cron:
            return
        at = fields.Datetime.now()
        if time.monotonic() < deadline:
            first = self.env["dunning.run.partner"].search(
                [("run_id", "in", self.ids), ("retry_datetime", "!=", False)],
                order="retry_datetime",
                limit=1,
            )
            at = first.retry_datetime or at + timedelta(minutes=1)
        cron._trigger(at)

    @api.model
    def _run_company(
        self,
        company,
        date,
        trigger,
        dry_run,
        partner_ids=None,
        bypass_interval=False,
        penalties=True,
    ):
        """One cycle for ``company`` at ``date``. A dry run returns the plan and
        creates nothing (without its penalty figures when ``penalties`` is
        False: ``dunning.planner._plan``); a real run returns its
        ``dunning.run``."""
        planner = self.env["dunning.planner"].with_context(dunning_holidays={})
        if dry_run:
            items = planner._select_open_items(company, date, partner_ids)
            return planner._plan(
                company,
                date,
                items,
                bypass_interval=bypass_interval,
                penalties=penalties,
            )
        if trigger == "scheduled":
            run = self._scheduled_run(company, date)
            if run.state != "running":
                run.state = "running"
        else:
            run = self.create(
                dict(
                    self._run_values(company, date, trigger),
                    requested_partner_ids=[(6, 0, partner_ids or [])],
                    bypass_interval=bypass_interval,
                )
            )
        run._process(partner_ids=partner_ids, bypass_interval=bypass_interval)
        return run

    def _action_open_form(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Dunning Run"),
            "res_model": "dunning.run",
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }

    # ------------------------------------------------------------------
    # Processing
    # ------------------------------------------------------------------
    def _process(self, partner_ids=None, bypass_interval=None):
        """The whole run in one call (a small run a user asks for, the demo,
        benchmarks): plan, then every customer. Customers another transaction
        holds are left to the scheduled action for a scheduled run, logged for
        the others. Batches are committed only outside a user's request
        (``dunning_no_commit``) and tests."""
        self.ensure_one()
        if partner_ids is None:
            partner_ids = self.requested_partner_ids.ids or None
        if bypass_interval is None:
            bypass_interval = self.bypass_interval
        self._plan_customers(partner_ids, bypass_interval)
        self._commit()
        self._resume(None, bypass_interval, wait_for_retry=False)
        if self.state == "running" and self.trigger != "scheduled":
            self._close_unfinished("locked")
        self._commit()
        return True

    def _plan_customers(self, partner_ids=None, bypass_interval=False):
        """Plan the run's customers and keep those with something to send as
        the run's work left. Skips of customers with nothing to send are
        final; the others are decided again once their customer is locked."""
        self.ensure_one()
        planner = self.env["dunning.planner"].with_context(dunning_holidays={})
        self.env["dunning.communication"]._dunning_clean_queues(self.company_id)
        self._dispatch_approved_pending()
        items = planner._select_open_items(self.company_id, self.date, partner_ids)
        # who has something to send: the figures come when each batch plans
        # its locked customers again
        plan = planner._plan(
            self.company_id,
            self.date,
            items,
            bypass_interval=bypass_interval,
            penalties=False,
        )
        todo = {comm["partner_id"] for comm in plan["communications"]}
        self._log_skips([s for s in plan["skips"] if s["partner_id"] not in todo])
        todo -= set(self.todo_ids.partner_id.ids)
        self.env["dunning.run.partner"].create(
            [{"run_id": self.id, "partner_id": pid} for pid in sorted(todo)]
        )
        left = self.env["dunning.run.partner"].search_count([("run_id", "=", self.id)])
        self.write({"planned": True, "todo_total": left})

    def _resume(self, deadline, bypass_interval=False, wait_for_retry=True):
        """Remind the run's customers left, batch by batch, each batch
        committed, until none is left or ``deadline`` (``time.monotonic()``)
        passes. Returns the number of customers done (reminded or logged)."""
        self.ensure_one()
        # Several workers may resume the same run. Each step that changes
        # shared rows starts a fresh transaction and locks them first thing,
        # skipping what another worker holds: nothing is done twice, and no
        # worker meets a row changed since its snapshot (serialization errors).
        if not self.planned:
            self._commit()
            if not self._lock_run():
                return 0  # another worker is planning it
            self.invalidate_recordset(["planned"])
            if not self.planned:
                self._plan_customers(
                    self.requested_partner_ids.ids or None,
                    bypass_interval or self.bypass_interval,
                )
                if self.trigger == "scheduled" and self.todo_total:
                    wake_workers(self.env, SCHEDULED_CRON)
            self._commit()
        batch_size = max(self.company_id.dunning_batch_size, 1)
        held = set()
        done = 0
        self._commit()
        while deadline is None or time.monotonic() < deadline:
            todo = self._next_todo(batch_size, held, wait_for_retry)
            if not todo:
                break
            done += self._process_todo(
                todo, bypass_interval or self.bypass_interval, held
            )
            self._commit()
        if not self.env["dunning.run.partner"].search_count(
            [("run_id", "=", self.id)], limit=1
        ):
            self._commit()
            if self._lock_run():
                self.invalidate_recordset(["state"])
                if self.state == "running":
                    self._finish()
            self._commit()
        return done

    def _lock_run(self):
        """Whether this transaction now holds the run's row (another worker
        may hold it: then it is not waited for)."""
        self.env.cr.execute(
            SQL(
                "SELECT id FROM dunning_run WHERE id = %s "
                "FOR NO KEY UPDATE SKIP LOCKED",
                self.id,
            )
        )
        return bool(self.env.cr.fetchone())

    def _next_todo(self, size, held, wait_for_retry=True):
        """The next customers of the run, locked for this transaction: the rows
        another worker took are skipped."""
        Todo = self.env["dunning.run.partner"]
        Todo.flush_model()
        query = SQL(
            """
                SELECT id FROM dunning_run_partner
                 WHERE run_id = %(run)s AND partner_id != ALL(%(held)s)
                   AND (NOT %(wait)s OR retry_datetime IS NULL
                        OR retry_datetime <= %(now)s)
                 ORDER BY id
                 LIMIT %(size)s
                   FOR UPDATE SKIP LOCKED
                """,
            run=self.id,
            held=list(held),
            wait=wait_for_retry,
            now=fields.Datetime.now(),
            size=size,
        )
        for attempt in range(1, MAX_CLAIM_ATTEMPTS + 1):
            try:
                with mute_logger("odoo.sql_db"):
                    self.env.cr.execute(query)
                break
            except psycopg2.extensions.TransactionRollbackError:
                # A row claimed by another worker was removed between this
                # transaction's snapshot and its lock ("could not serialize
                # access"): this is the transaction's first statement, a new
                # snapshot loses nothing.
                if attempt == MAX_CLAIM_ATTEMPTS or not self._can_commit():
                    raise
                self.env.cr.rollback()
                self.env.invalidate_all(flush=False)
        return Todo.browse([row[0] for row in self.env.cr.fetchall()])

    def _process_todo(self, todo, bypass_interval, held):
        """Remind the customers of ``todo`` this transaction can lock; those
        another transaction holds are tried again later in the run (``held``
        keeps them out of this call), logged after the last attempt."""
        locked = self._lock_partners(todo.partner_id.ids)
        if locked:
            self._process_batch(locked, bypass_interval)
        done = todo.filtered(lambda t: t.partner_id.id in set(locked))
        waiting = todo - done
        held.update(waiting.partner_id.ids)
        given_up = waiting.filtered(lambda t: t.attempts + 1 >= MAX_LOCK_ATTEMPTS)
        self._log_held(given_up.partner_id, "locked")
        (done | given_up).unlink()
        now = fields.Datetime.now()
        for attempts, rows in (waiting - given_up).grouped("attempts").items():
            rows.write(
                {
                    "attempts": attempts + 1,
                    "retry_datetime": now + timedelta(minutes=attempts + 1),
                }
            )
        return len(done) + len(given_up)

    def _close_unfinished(self, reason):
        """Log the customers still left with ``reason`` and finish the run."""
        self.ensure_one()
        self._log_held(self.todo_ids.partner_id, reason)
        self.todo_ids.unlink()
        self._finish()

    def _log_held(self, partners, reason):
        if not partners:
            return
        self.env["dunning.run.log"].create(
            [
                {"run_id": self.id, "partner_id": partner.id, "reason": reason}
                for partner in partners
            ]
        )

    def _process_batch(self, partner_ids, bypass_interval):
        """Lock the batch's customers, plan them again (another worker may
        have reminded them meanwhile), then create and dispatch."""
        locked = self._lock_partners(partner_ids)
        if not locked:
            return self.env["dunning.communication"]
        planner = self.env["dunning.planner"].with_context(dunning_holidays={})
        items = planner._select_open_items(self.company_id, self.date, locked)
        plan = planner._plan(
            self.company_id, self.date, items, bypass_interval=bypass_interval
        )
        self._log_skips(plan["skips"])
        try:
            with self.env.cr.savepoint():
                communications = self._create_communications(plan["communications"])
        except Exception:  # noqa: BLE001 - retried customer by customer below
            _logger.warning(
                "Dunning batch failed, retrying per customer", exc_info=True
            )
            communications = self._create_per_partner(plan["communications"])
        self._send(communications)
        return communications

    def _create_per_partner(self, planned):
        by_partner = defaultdict(list)
        for comm in planned:
            by_partner[comm["partner_id"]].append(comm)
        communications = self.env["dunning.communication"]
        for partner_id, comms in by_partner.items():
            try:
                with self.env.cr.savepoint():
                    communications |= self._create_communications(comms)
            except Exception as error:  # noqa: BLE001 - logged on the run
                _logger.exception("Dunning of customer %s failed", partner_id)
                self._log_error(partner_id, error)
        return communications

    def _lock_partners(self, partner_ids):
        """Customers of the batch this worker owns: those locked by another
        worker are left to it. NO KEY UPDATE, as an update of the row would:
        it leaves other transactions free to insert rows that refer to the
        customer (a run planning it), which FOR UPDATE would block."""
        self.env.cr.execute(
            SQL(
                "SELECT id FROM res_partner WHERE id = ANY(%s) "
                "ORDER BY id FOR NO KEY UPDATE SKIP LOCKED",
                list(partner_ids),
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _can_commit(self):
        """Whether the run's batches are committed: never inside a user's
        request (``dunning_no_commit``), where the request's transaction
        decides."""
        return can_commit(self.env) and not self.env.context.get("dunning_no_commit")

    def _commit(self):
        if self._can_commit():
            self.env.cr.commit()  # pylint: disable=invalid-commit
            # the next batch reads what it needs: the records of the batches
            # before are not kept in memory for the rest of the run
            self.env.invalidate_all()

    def _dispatch_approved_pending(self):
        """Reminders approved since the last run, when the company sends them
        with the next run."""
        pending = self.env["dunning.communication"]._dunning_approved_pending(
            self.company_id
        )
        if pending:
            pending._dispatch()

    # ------------------------------------------------------------------
    # Creation
    # ------------------------------------------------------------------
    def _create_communications(self, planned):
        """Communications and their lines in two batched creates; the
        invoices' dunning fields follow from the lines."""
        if not planned:
            return self.env["dunning.communication"]
        Communication = self.env["dunning.communication"].with_context(
            tracking_disable=True, mail_create_nolog=True, mail_notrack=True
        )
        names = self._next_names(len(planned))
        values = [
            self._communication_values(comm, name)
            for comm, name in zip(planned, names, strict=True)
        ]
        variants = self.env["dunning.level.variant"]._dunning_assign(
            {(vals["partner_id"], vals["level_id"]) for vals in values}
        )
        for vals in values:
            variant = variants.get((vals["partner_id"], vals["level_id"]))
            if variant:
                vals["variant_id"] = variant.id
        communications = Communication.create(values)
        self.env["dunning.communication.line"]._dunning_insert(
            [
                self._line_values(communication, line)
                for communication, comm in zip(communications, planned, strict=True)
                for line in comm["lines"]
            ]
        )
        return communications

    def _next_names(self, count):
        """``count`` reminder numbers: the sequence is looked up once (as
        ``next_by_code`` would for the run's company), then drawn from."""
        sequence = self.env["ir.sequence"].search(
            [
                ("code", "=", "dunning.communication"),
                ("company_id", "in", [self.company_id.id, False]),
            ],
            order="company_id",
            limit=1,
        )
        if not sequence:
            return ["/"] * count
        if sequence.implementation != "standard" or sequence.use_date_range:
            return [sequence.next_by_id(sequence_date=self.date) for _i in range(count)]
        # the PostgreSQL sequence ``next_by_id`` draws from (``_next_do``),
        # drawn for the whole batch in one query instead of one per reminder
        sequence.browse().check_access("read")
        self.env.cr.execute(
            SQL(
                "SELECT nextval(%s) FROM generate_series(1, %s) ORDER BY 1",
                f"ir_sequence_{sequence.id:03d}",
                count,
            )
        )
        return [sequence.get_next_char(row[0]) for row in self.env.cr.fetchall()]

    def _communication_values(self, comm, name):
        level = comm["level"]
        channels = comm["channels"]
        return {
            "name": name,
            "run_id": self.id,
            "date": self.date,
            "company_id": self.company_id.id,
            "partner_id": comm["partner_id"],
            "contact_id": comm["contact_id"],
            "collector_id": comm["collector_id"],
            "typology_id": comm["typology_id"],
            "lang": comm["lang"],
            "level_id": level.id,
            "tone": level.tone,
            "channel_email": "email" in channels,
            "channel_letter": "letter" in channels,
            "channel_sms": "sms" in channels,
            "channel_call": "call" in channels,
            "amount_due": comm["amount_due"],
            "penalty_interest": comm["penalty_interest"],
            "penalty_indemnity": comm["penalty_indemnity"],
            "penalty_rate": comm["penalty_rate"],
            "legal_regime": comm["legal_regime"],
            "state": "to_approve" if level.needs_approval else "queued",
        }

    @api.model
    def _line_values(self, communication, line):
        item = line["item"]
        return {
            "communication_id": communication.id,
            "move_line_id": item["id"],
            "plan_line_id": item["plan_line_id"],
            "move_id": item["move_id"],
            "level_id": line["level"].id,
            "date_maturity": item["date_maturity"],
            "days_late": line["days_late"],
            "currency_id": item["currency_id"],
            "company_currency_id": item["company_currency_id"],
            "amount_residual_currency": item["amount_residual_currency"],
            "amount_residual": item["amount_residual"],
            "penalty_interest": line["penalty_interest"],
            "penalty_indemnity": line["penalty_indemnity"],
            "penalty_interest_currency": line["penalty_interest_currency"],
            "penalty_indemnity_currency": line["penalty_indemnity_currency"],
        }

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------
    def _send(self, communications):
        """Dispatch what needs no approval; failures go to the run log."""
        ready = communications.filtered(lambda c: c.state == "queued")
        if ready:
            ready._dispatch()
        for communication in communications.filtered(lambda c: c.state == "failed"):
            self._log_error(
                communication.partner_id.id,
                communication.error_message or _("Dispatch failed"),
                communication=communication,
            )

    # ------------------------------------------------------------------
    # Logs and counts
    # ------------------------------------------------------------------
    def _log_skips(self, skips):
        """Log each skip once per run, customer, item and reason, however many
        slices, workers or re-plannings see it."""
        if not skips:
            return
        self.env["dunning.run.log"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT partner_id, move_id, move_line_id, reason
                  FROM dunning_run_log
                 WHERE run_id = %s AND partner_id = ANY(%s)
                """,
                self.id,
                list({skip["partner_id"] for skip in skips}),
            )
        )
        seen = {tuple(row) for row in self.env.cr.fetchall()}
        todo = []
        for skip in skips:
            key = (
                skip["partner_id"],
                skip["move_id"] or None,
                skip["move_line_id"] or None,
                skip["reason"],
            )
            if key not in seen:
                seen.add(key)
                todo.append(skip)
        if not todo:
            return
        self.env["dunning.run.log"].create(
            [
                {
                    "run_id": self.id,
                    "partner_id": skip["partner_id"],
                    "move_id": skip["move_id"],
                    "move_line_id": skip["move_line_id"],
                    "level_id": skip["level_id"],
                    "reason": skip["reason"],
                    "amount": skip["amount"],
                }
                for skip in todo
            ]
        )

    def _log_error(self, partner_id, error, communication=None):
        self.env["dunning.run.log"].create(
            {
                "run_id": self.id,
                "partner_id": partner_id,
                "level_id": communication.level_id.id if communication else False,
                "reason": "error",
                "message": str(error),
            }
        )

    def _finish(self):
        self.env.flush_all()
        self.env.cr.execute(self._counters_query(self.ids))
        counters = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        comm_count, reminded, skipped_partners, failed, skipped, errors = counters.get(
            self.id, (0,) * 6
        )
        self.write(
            {
                "state": "done",
                "end_datetime": fields.Datetime.now(),
                "duration": (
                    fields.Datetime.now() - self.start_datetime
                ).total_seconds(),
                "communication_count": comm_count,
                "partner_count": reminded + skipped_partners + failed,
                "reminded_partner_count": reminded,
                "skipped_partner_count": skipped_partners,
                "failed_partner_count": failed,
                "skipped_count": skipped,
                "error_count": errors,
            }
        )
        if self.penalty_rate_warning:
            _logger.warning("Dunning run %s: %s", self.name, self.penalty_rate_warning)
        self.env["dunning.worklist"]._refresh_after_run(self.company_id)

    @api.model
    def _counters_query(self, run_ids):
        """Per run: reminders, customers reminded, customers only skipped,
        customers failed (an error, no reminder), items skipped, errors. Each
        customer counts once: reminded, else failed, else skipped."""
        return SQL(
            """
            WITH customers AS (
                SELECT run_id, partner_id, 'reminded' AS outcome
                  FROM dunning_communication WHERE run_id IN %(runs)s
                 UNION
                SELECT run_id, partner_id,
                       CASE WHEN reason = 'error' THEN 'failed' ELSE 'skipped' END
                  FROM dunning_run_log
                 WHERE run_id IN %(runs)s AND partner_id IS NOT NULL
            ), outcome AS (
                SELECT run_id, partner_id,
                       CASE WHEN bool_or(outcome = 'reminded') THEN 'reminded'
                            WHEN bool_or(outcome = 'failed') THEN 'failed'
                            ELSE 'skipped' END AS outcome
                  FROM customers GROUP BY run_id, partner_id
            )
            SELECT run.id,
                   (SELECT count(*) FROM dunning_communication
                     WHERE run_id = run.id),
                   (SELECT count(*) FROM outcome
                     WHERE run_id = run.id AND outcome = 'reminded'),
                   (SELECT count(*) FROM outcome
                     WHERE run_id = run.id AND outcome = 'skipped'),
                   (SELECT count(*) FROM outcome
                     WHERE run_id = run.id AND outcome = 'failed'),
                   (SELECT count(*) FROM dunning_run_log
                     WHERE run_id = run.id AND reason != 'error'),
                   (SELECT count(*) FROM dunning_run_log
                     WHERE run_id = run.id AND reason = 'error')
              FROM dunning_run run
             WHERE run.id IN %(runs)s
            """,
            runs=tuple(run_ids),
        )

    # ------------------------------------------------------------------
    # Customer status and summary
    # ------------------------------------------------------------------
    @api.model
    def _partner_status(self, company, date, partner_ids):
        """{commercial partner: overdue amount, oldest days late, last level,
        last and next reminder dates}, in batch for all ``partner_ids``."""
        if not partner_ids:
            return {}
        # the customer's figures, shown on the customer to every user who
        # reads it (res.partner's computed fields): the planner's records
        # (scenarios, levels) are not theirs to read
        planner = self.env["dunning.planner"].sudo()
        items = planner._select_open_items(company, date, list(set(partner_ids)))
        status = defaultdict(
            lambda: {"overdue_amount": 0.0, "days_late": 0, "level_id": False}
        )
        for item in items["items"]:
            if planner._is_overdue(item, date):
                values = status[item["partner_id"]]
                values["overdue_amount"] += item["amount_residual"]
                values["days_late"] = max(
                    values["days_late"], planner._days_late(item, date)
                )
        history = planner._select_history(company, date, list(set(partner_ids)))
        for partner_id, past in history.items():
            status[partner_id].update(
                level_id=past["level_id"], last_date=past["dates"][0]
            )
        next_reminders = planner._next_reminders(company, date, items)
        for partner_id, (next_date, level) in next_reminders.items():
            status[partner_id].update(next_date=next_date, next_level_id=level.id)
        return dict(status)

    @api.model
    def _cli_demo_summary(self):
        """Run today's cycle for every company and describe it as text."""
        lines = []
        for company in self.env["res.company"].search([]):
            today = fields.Date.context_today(self.with_company(company))
            run = self.with_company(company)._run_company(
                company, today, "manual", dry_run=False
            )
            lines += run._summary_lines()
        return "\n".join(lines)

    def _summary_lines(self):
        self.ensure_one()
        currency = self.company_id.currency_id
        lines = [
            _(
                "%(company)s - run %(name)s on %(date)s: %(customers)s customer(s) "
                "processed (%(reminded)s reminded, %(skipped_customers)s skipped, "
                "%(failed)s failed), %(count)s reminder(s), %(skipped)s item(s) "
                "skipped, %(errors)s error(s)",
                company=self.company_id.name,
                name=self.name,
                date=self.date,
                customers=self.partner_count,
                reminded=self.reminded_partner_count,
                skipped_customers=self.skipped_partner_count,
                failed=self.failed_partner_count,
                count=self.communication_count,
                skipped=self.skipped_count,
                errors=self.error_count,
            )
        ]
        rows = defaultdict(lambda: [0, 0.0])
        for comm in self.communication_ids:
            key = (comm.level_id.display_name, ", ".join(comm._channels()))
            rows[key][0] += 1
            rows[key][1] += comm.amount_due
        # _() outside the f-strings: the translation export reads no f-string
        level_label, channels_label = _("Level"), _("Channels")
        amount_label = _("Amount")
        lines.append(
            f"  {level_label:<32} {channels_label:<24} {'#':>4} {amount_label:>14}"
        )
        for (level, channels), (count, amount) in sorted(rows.items()):
            lines.append(
                f"  {level[:32]:<32} {channels[:24]:<24} {count:>4} "
                f"{amount:>14,.2f} {currency.name}"
            )
        reasons = dict(
            self.env["dunning.run.log"]
            ._fields["reason"]
            ._description_selection(self.env)
        )
        skipped = defaultdict(int)
        for log in self.log_ids:
            skipped[log.reason] += 1
        if skipped:
            per_reason = _("Skipped items per reason")
            lines.append(f"  {per_reason}:")
            for reason, count in sorted(skipped.items()):
                lines.append(f"    {reasons.get(reason, reason):<48} {count:>6}")
        return lines
