# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
from collections import defaultdict

import psycopg2

from odoo import _, api, fields, models
from odoo.tools import SQL, mute_logger, sql

from .dunning_run_log import SKIP_REASONS

_logger = logging.getLogger(__name__)

# A row is one (customer, company): its id packs both so that it stays the
# same from one query to the next while the customer has overdue items.
ROW_ID_FACTOR = 100000
# customers whose rows this transaction changed: {company id or None (every
# company): {partner ids}}, in the cursor's precommit data
PENDING_KEY = "dunning.worklist.pending"
# what marked them: {(company id or None, partner id): {source}}, a source
# being the model of the records marking them (see ``_touch``)
SOURCES_KEY = "dunning.worklist.sources"
ROWS_TABLE = "dunning_worklist_row"
DAYS_TABLE = "dunning_worklist_day"
STALE_TABLE = "dunning_worklist_stale"
# dropped in this order (the stored rows last)
WORKLIST_TABLES = (STALE_TABLE, DAYS_TABLE, ROWS_TABLE)


class DunningWorklist(models.Model):
    """The collector's worklist: one row per customer with overdue items in a
    company.

    The rows are stored (table ``dunning_worklist_row``): the result of
    :meth:`_live_sql`, the one definition of their figures, for the day in
    ``dunning_worklist_day``. Aggregating every open item of the company per
    request took seconds at 50,000 customers. What changes a customer's figures
    marks it (:meth:`_touch`); its rows are computed again before the
    transaction commits, and before this transaction reads the worklist. The
    figures depend on the day (overdue, days late, holds "until"): the first
    reading of a new day, or the day's run, computes every row of the company
    again. Every refresh writes a row for each customer it computes, listed or
    not: two transactions computing the same customer from different snapshots
    meet on that row, and the second fails with a serialization error and is
    retried (Odoo's transactions are REPEATABLE READ), never losing a change."""

    _name = "dunning.worklist"
    _description = "Dunning Worklist"
    _auto = False
    _rec_name = "partner_id"
    _order = "overdue_amount desc, id"
    # what to flush before the query reads the tables
    _depends = {
        "account.move.line": [
            "account_id",
            "partner_id",
            "amount_residual",
            "date_maturity",
            "display_type",
            "parent_state",
            "reconciled",
        ],
        "res.partner": [
            "dunning_collector_id",
            "dunning_typology_id",
            "dunning_paused_until",
            "dunning_excluded",
            "dunning_litigation",
            "user_id",
        ],
        "dunning.communication": ["date", "level_id", "state"],
        "dunning.dispute": ["state"],
        "dunning.promise": ["date", "paused_until", "state"],
        "dunning.payment.plan": ["state"],
        "mail.activity": ["date_deadline"],
        "dunning.run": ["company_id", "trigger"],
        "dunning.run.log": ["partner_id", "reason", "run_id"],
    }

    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    collector_id = fields.Many2one("res.users", string="Collector", readonly=True)
    salesperson_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    typology_id = fields.Many2one("dunning.typology", string="Typology", readonly=True)
    overdue_amount = fields.Monetary(
        string="Overdue", currency_field="currency_id", readonly=True
    )
    total_due = fields.Monetary(
        string="Total Due", currency_field="currency_id", readonly=True
    )
    overdue_count = fields.Integer(string="Overdue Items", readonly=True)
    oldest_due_date = fields.Date(readonly=True)
    days_late = fields.Integer(
        string="Oldest Days Late", readonly=True, aggregator="max"
    )
    level_id = fields.Many2one("dunning.level", string="Current Level", readonly=True)
    last_communication_id = fields.Many2one(
        "dunning.communication", string="Last Reminder", readonly=True
    )
    last_date = fields.Date(string="Last Reminder Date", readonly=True)
    last_channels = fields.Char(
        string="Last Channels", compute="_compute_last_channels"
    )
    next_date = fields.Date(string="Next Reminder", compute="_compute_next_date")
    next_level_id = fields.Many2one(
        "dunning.level", string="Next Level", compute="_compute_next_date"
    )
    hold_reason = fields.Selection(
        SKIP_REASONS,
        string="Why Not Reminded",
        readonly=True,
        help="What holds the customer's reminders back today (exclusion, "
        "litigation, pause, promise to pay, unreconciled payment or credit "
        "note, every overdue invoice disputed, excluded or under a payment "
        "plan), else why the latest run skipped it.",
    )
    dispute_count = fields.Integer(string="Open Disputes", readonly=True)
    promise_date = fields.Date(string="Promised Date", readonly=True)
    promise_until = fields.Date(
        string="Promise Holds Reminders Until",
        readonly=True,
        help="Open promises to pay hold the reminders back until their date "
        "plus the grace days, whatever the collector's own pause.",
    )
    plan_count = fields.Integer(string="Active Plans", readonly=True)
    next_activity_date = fields.Date(readonly=True)
    risk_score = fields.Integer(readonly=True, aggregator="avg")
    excluded = fields.Boolean(readonly=True)
    litigation = fields.Boolean(readonly=True)
    paused_until = fields.Date(
        string="Reminders Paused Until",
        compute="_compute_paused_until",
        inverse="_inverse_paused_until",
    )
    paused_until_sql = fields.Date(string="Paused Until", readonly=True)
    item_ids = fields.Many2many(
        "account.move.line", string="Open Items", compute="_compute_related_records"
    )
    communication_ids = fields.Many2many(
        "dunning.communication", string="Reminders", compute="_compute_related_records"
    )
    activity_ids = fields.Many2many(
        "mail.activity", string="Activities", compute="_compute_related_records"
    )
    promise_ids = fields.Many2many(
        "dunning.promise", string="Promises", compute="_compute_related_records"
    )
    dispute_ids = fields.Many2many(
        "dunning.dispute", string="Disputes", compute="_compute_related_records"
    )
    plan_ids = fields.Many2many(
        "dunning.payment.plan", string="Plans", compute="_compute_related_records"
    )
    phone = fields.Char(related="partner_id.phone")
    email = fields.Char(related="partner_id.email")

    @api.model
    def _row_id(self, partner, company):
        return partner.id * ROW_ID_FACTOR + company.id

    @property
    def _table_query(self):
        day = self._prepare_rows()
        if day is None:
            # the reader's day is the one before the stored one: its own
            # figures, live (not the stored ones this transaction may have read)
            self.invalidate_model()
            self.env["dunning.planner"]._screen_without_jit()
            return self._live_sql(fields.Date.context_today(self))
        return SQL("SELECT * FROM %s WHERE listed", SQL.identifier(ROWS_TABLE))

    # ------------------------------------------------------------------
    # Stored rows
    # ------------------------------------------------------------------
    def init(self):
        # the query reads tables of models initialised after this one
        self.pool.post_init(self._create_tables)

    def _create_tables(self):
        """(Re)create the stored rows from the live query, with its columns
        (an upgrade may change them), and compute every company's rows."""
        cr = self.env.cr
        today = fields.Date.context_today(self)
        for table in WORKLIST_TABLES:
            cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(table)))
        cr.execute(
            SQL(
                """
                CREATE TABLE %(rows)s AS
                SELECT w.*, TRUE AS listed, %(today)s::date AS computed_on
                  FROM (%(live)s) w
                  WITH NO DATA;
                ALTER TABLE %(rows)s
                    ADD PRIMARY KEY (id),
                    ALTER COLUMN partner_id SET NOT NULL,
                    ALTER COLUMN company_id SET NOT NULL,
                    ADD FOREIGN KEY (partner_id)
                        REFERENCES res_partner (id) ON DELETE CASCADE,
                    ADD FOREIGN KEY (company_id)
                        REFERENCES res_company (id) ON DELETE CASCADE;
                CREATE INDEX ON %(rows)s (partner_id);
                CREATE TABLE %(days)s (
                    company_id integer PRIMARY KEY
                        REFERENCES res_company (id) ON DELETE CASCADE,
                    computed_on date NOT NULL,
                    run_id integer
                );
                CREATE TABLE %(stale)s (
                    id serial PRIMARY KEY,
                    company_id integer NOT NULL
                        REFERENCES res_company (id) ON DELETE CASCADE,
                    partner_id integer
                );
                CREATE INDEX ON %(stale)s (company_id);
                """,
                rows=SQL.identifier(ROWS_TABLE),
                days=SQL.identifier(DAYS_TABLE),
                stale=SQL.identifier(STALE_TABLE),
                today=today,
                live=self._live_sql(today),
            )
        )
        companies = self.env["res.company"].sudo().search([])
        if companies:
            self._refresh_companies(companies.ids, today)

    @api.model
    def _touch(self, partner_ids, company_ids=None, source=None):
        """Mark the rows of the commercial entities ``partner_ids`` (ids) in
        ``company_ids`` (ids; None: every company) to be computed again before
        this transaction reads the worklist or commits. ``source`` says what
        changed (the model of the records, or a finer name such as
        ``dunning.communication.open``), for the reports' stored rows that do
        not read it (``dunning.report.store._store_ignored_sources``); None:
        anything."""
        partner_ids = {pid for pid in partner_ids if pid}
        if not partner_ids:
            return
        data = self.env.cr.precommit.data
        if PENDING_KEY not in data:
            data[PENDING_KEY] = defaultdict(set)
            data[SOURCES_KEY] = defaultdict(set)
            self.env.cr.precommit.add(self._refresh_pending)
        for company_id in company_ids if company_ids is not None else [None]:
            data[PENDING_KEY][company_id or None] |= partner_ids
            for partner_id in partner_ids:
                data[SOURCES_KEY][company_id or None, partner_id].add(source)

    def _sources(self, company_id, partner_id):
        """What marked the customer in the company in this transaction
        ({None} when unknown: left by another one, or any change)."""
        sources = self.env.cr.precommit.data.get(SOURCES_KEY) or {}
        marked = sources.get((company_id, partner_id), set()) | sources.get(
            (None, partner_id), set()
        )
        return marked or {None}

    @api.model
    def _touch_records(
        self, records, partner="partner_id", company="company_id", source=None
    ):
        """:meth:`_touch` the customers of ``records`` (a partner field and a
        company field of theirs); ``source``: their model unless said."""
        pairs = defaultdict(set)
        for record in records:
            pairs[record[company].id].add(record[partner].commercial_partner_id.id)
        for company_id, partner_ids in pairs.items():
            self._touch(
                partner_ids,
                [company_id] if company_id else None,
                source or records._name,
            )

    @api.model
    def _touch_company(self, company_ids, partner_ids=None):
        """Leave the rows of ``partner_ids`` (every customer when None) in
        ``company_ids`` to be computed again by their next reader. Only
        inserts: it never waits for nor conflicts with another transaction."""
        self.env.cr.execute(
            SQL(
                """INSERT INTO %s (company_id, partner_id)
                   SELECT c, p FROM unnest(%s::int[]) c, unnest(%s::int[]) p""",
                SQL.identifier(STALE_TABLE),
                list(company_ids),
                list(partner_ids) if partner_ids is not None else [None],
            )
        )

    @api.model
    def _refresh_after_run(self, company):
        """The day's run computes its company's rows, unless a reader did."""
        today = fields.Date.context_today(self)
        if self._days([company.id]).get(company.id) == today:
            return
        self.env.flush_all()
        # rows another transaction holds: left to the next reader
        self._try_refresh(lambda: self._refresh_companies([company.id], today))

    def _try_refresh(self, refresh):
        """Whether ``refresh()`` wrote its rows: not when another transaction
        changed them since this one's snapshot (serialization error) or holds
        them more than a second."""
        cr = self.env.cr
        cr.execute("SELECT current_setting('lock_timeout')")
        lock_timeout = cr.fetchone()[0]
        try:
            with mute_logger("odoo.sql_db"), cr.savepoint(flush=False):
                cr.execute("SELECT set_config('lock_timeout', '1s', true)")
                refresh()
        except (
            psycopg2.errors.SerializationFailure,
            psycopg2.errors.DeadlockDetected,
            psycopg2.errors.LockNotAvailable,
        ):
            return False
        finally:
            cr.execute("SELECT set_config('lock_timeout', %s, true)", [lock_timeout])
        return True

    def _days(self, company_ids=None):
        """{company id: day its rows are computed for}, without the companies
        whose latest run (not a preview) is not the one the rows show."""
        where = SQL()
        if company_ids is not None:
            where = SQL("WHERE d.company_id = ANY(%s)", list(company_ids))
        self.env.cr.execute(
            SQL(
                """
                SELECT d.company_id, d.computed_on FROM %s d
                  LEFT JOIN LATERAL (
                      SELECT MAX(r.id) AS id FROM dunning_run r
                       WHERE r.company_id = d.company_id
                         AND r.trigger != 'preview') last ON TRUE
                 %s %s d.run_id IS NOT DISTINCT FROM last.id
                """,
                SQL.identifier(DAYS_TABLE),
                where,
                SQL("AND") if company_ids is not None else SQL("WHERE"),
            )
        )
        return dict(self.env.cr.fetchall())

    def _prepare_rows(self):
        """Compute what the rows the reader may see need before it reads them:
        its companies' rows of another day or of an earlier run, those left
        to their next reader, the customers this transaction changed. Returns
        the reader's day, or None when its day is the one before the stored
        one."""
        today = fields.Date.context_today(self)
        if self.env.su:
            company_ids = self.env["res.company"].sudo().search([]).ids
        else:
            company_ids = self.env.companies.ids
        self.env.flush_all()
        days = self._days(company_ids)
        if any((day - today).days == 1 for day in days.values()):
            # a reader one time zone behind the one who computed them: not
            # worth computing every row twice a day (further apart, the clock
            # was set back: computed again)
            return None
        stale = [cid for cid in company_ids if days.get(cid) != today]
        self.env.cr.execute(
            SQL(
                "SELECT id, company_id, partner_id FROM %s WHERE company_id = ANY(%s)",
                SQL.identifier(STALE_TABLE),
                company_ids,
            )
        )
        left = self.env.cr.fetchall()
        pending = self.env.cr.precommit.data.get(PENDING_KEY)
        if (stale or left or pending) and self.env.cr.readonly:
            # a read-only request: Odoo runs it again with a read/write cursor
            raise psycopg2.errors.ReadOnlySqlTransaction(
                "the dunning worklist has rows to compute"
            )
        stale += [cid for _id, cid, pid in left if pid is None and cid not in stale]
        # customers left to their next reader: computed with this
        # transaction's (their worklist rows by a whole company's computation
        # when there is one, their stored report rows in any case)
        for company_id in {cid for _id, cid, _pid in left}:
            self._touch(
                [pid for _id, cid, pid in left if cid == company_id], [company_id]
            )
        if stale:
            self._refresh_companies(stale, today)
        if left:
            self.env.cr.execute(
                SQL(
                    "DELETE FROM %s WHERE id = ANY(%s)",
                    SQL.identifier(STALE_TABLE),
                    [row[0] for row in left],
                )
            )
        # a conflict with another transaction fails the request, which Odoo
        # runs again
        self._refresh_pending(on_conflict_leave=False)
        return today

    def _refresh_pending(self, on_conflict_leave=True):
        """Compute the rows of the customers marked by :meth:`_touch`, for the
        day their company's rows are computed for (today for a company whose
        rows its next reader computes whole), and their reports' stored rows.
        Called before commit: when a
        concurrent transaction changed a row since this one's snapshot
        (serialization error) or holds it, rather than failing or waiting,
        the customers are left to their next reader, who sees both
        transactions."""
        data = self.env.cr.precommit.data
        if not data.get(PENDING_KEY):
            return
        if not sql.table_exists(self.env.cr, ROWS_TABLE):
            # the addon is being uninstalled: its uninstall hook dropped the
            # rows, the records whose deletion marked customers are gone
            data.pop(PENDING_KEY)
            return
        self.env.flush_all()
        pending = data.pop(PENDING_KEY)
        everywhere = pending.pop(None, set())
        if everywhere:
            self.env.cr.execute("SELECT id FROM res_company ORDER BY id")
            company_ids = [row[0] for row in self.env.cr.fetchall()]
        else:
            company_ids = sorted(pending)
        days = self._days(company_ids)
        today = fields.Date.context_today(self)
        for company_id in company_ids:
            # a company whose rows are of no day or of an earlier run is
            # computed whole by its next reader; its marked customers now
            # all the same, for their reports' stored rows
            day = days.get(company_id, today)
            partner_ids = sorted(pending.get(company_id, set()) | everywhere)
            if not partner_ids:
                continue
            if not on_conflict_leave:
                self._refresh(day, [company_id], partner_ids)
            elif not self._try_refresh(
                lambda c=company_id, d=day, p=partner_ids: self._refresh(d, [c], p)
            ):
                _logger.info(
                    "Worklist rows of %s customers of company %s held by another "
                    "transaction: left to their next reader",
                    len(partner_ids),
                    company_id,
                )
                self._touch_company([company_id], partner_ids)

    def _refresh_companies(self, company_ids, day):
        """Compute every row of ``company_ids`` for ``day``."""
        self.env.flush_all()
        self._refresh(day, company_ids)
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO %(days)s (company_id, computed_on, run_id)
                SELECT c.id, %(day)s,
                       (SELECT MAX(r.id) FROM dunning_run r
                         WHERE r.company_id = c.id AND r.trigger != 'preview')
                  FROM res_company c WHERE c.id = ANY(%(company_ids)s)
                ON CONFLICT (company_id) DO UPDATE
                   SET computed_on = EXCLUDED.computed_on, run_id = EXCLUDED.run_id
                """,
                days=SQL.identifier(DAYS_TABLE),
                day=day,
                company_ids=list(company_ids),
            )
        )
        # what was left to the next reader is in these rows
        self.env.cr.execute(
            SQL(
                "DELETE FROM %s WHERE company_id = ANY(%s)",
                SQL.identifier(STALE_TABLE),
                list(company_ids),
            )
        )
        # what this transaction marked too, but for the reports' stored rows,
        # which a whole company's computation leaves as they are
        pending = self.env.cr.precommit.data.get(PENDING_KEY)
        if pending:
            everywhere = pending.get(None, set())
            for company_id in company_ids:
                partner_ids = pending.pop(company_id, set()) | everywhere
                if partner_ids:
                    self._refresh_stores([company_id], sorted(partner_ids))

    def _refresh(self, day, company_ids, partner_ids=None):
        """Upsert the rows of ``partner_ids`` (every customer when None) in
        ``company_ids`` on ``day``: the live query's row, or a row not listed
        for a customer that has none (nothing overdue). For given customers,
        the reports' stored rows too (``dunning.report.store``): they do not
        depend on the day."""
        # every customer of a company, or a run's slice of them: at 50,000
        # customers their statements pass jit_above_cost and PostgreSQL spent
        # seconds, then 0.1 s per slice, compiling them (``_screen_without_jit``)
        self.env["dunning.planner"]._screen_without_jit()
        live = self._live_sql(day, company_ids, partner_ids)
        if partner_ids is None:
            keys = SQL(
                """SELECT partner_id, company_id FROM %s
                    WHERE company_id = ANY(%s)
                   UNION
                   SELECT partner_id, company_id FROM live""",
                SQL.identifier(ROWS_TABLE),
                list(company_ids),
            )
        else:
            keys = SQL(
                """SELECT p.id AS partner_id, c.id AS company_id
                     FROM res_partner p CROSS JOIN res_company c
                    WHERE p.id = ANY(%s) AND c.id = ANY(%s)""",
                list(partner_ids),
                list(company_ids),
            )
        columns = [
            name
            for name in self._live_columns()
            if name not in ("id", "partner_id", "company_id")
        ]
        self.env.cr.execute(
            SQL(
                """
                WITH live AS MATERIALIZED (%(live)s), keys AS (%(keys)s)
                INSERT INTO %(rows)s
                    (id, partner_id, company_id, %(columns)s, listed, computed_on)
                SELECT k.partner_id::bigint * %(factor)s + k.company_id,
                       k.partner_id, k.company_id, %(live_columns)s,
                       live.id IS NOT NULL, %(day)s
                  FROM keys k
                  LEFT JOIN live ON live.partner_id = k.partner_id
                                AND live.company_id = k.company_id
                 ORDER BY 1
                ON CONFLICT (id) DO UPDATE SET %(updates)s,
                    listed = EXCLUDED.listed, computed_on = EXCLUDED.computed_on
                """,
                live=live,
                keys=keys,
                rows=SQL.identifier(ROWS_TABLE),
                columns=SQL(", ").join(SQL.identifier(c) for c in columns),
                live_columns=SQL(", ").join(SQL.identifier("live", c) for c in columns),
                updates=SQL(", ").join(
                    SQL("%s = EXCLUDED.%s", SQL.identifier(c), SQL.identifier(c))
                    for c in columns
                ),
                factor=ROW_ID_FACTOR,
                day=day,
            )
        )
        self.invalidate_model()
        if partner_ids is not None:
            self._refresh_stores(company_ids, partner_ids)

    def _refresh_stores(self, company_ids, partner_ids):
        """The reports' stored rows of ``partner_ids`` in ``company_ids``
        (of the customers marked by a change the report reads), computed
        behind their worklist rows: a transaction computing them
        after another one changed them fails on those rows, as for the
        worklist."""
        for store in self.env["dunning.report.store"]._store_models():
            ignored = set(store._store_ignored_sources)
            for company_id in company_ids:
                changed = [
                    partner_id
                    for partner_id in partner_ids
                    if self._sources(company_id, partner_id) - ignored
                ]
                if changed:
                    store._store_refresh([company_id], changed)

    def _live_columns(self):
        """Column names of the stored rows that the live query fills."""
        self.env.cr.execute(
            """
            SELECT attname FROM pg_attribute
             WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped
               AND attname NOT IN ('listed', 'computed_on')
             ORDER BY attnum
            """,
            [ROWS_TABLE],
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _live_sql(self, day, company_ids=None, partner_ids=None):
        """The worklist's rows on ``day``, computed from the open items, the
        customers and their history: the one definition of its figures. The
        stored rows are this query's result, limited to some customers of some
        companies when only they changed."""
        planner = self.env["dunning.planner"]
        run_skip_filter = SQL()
        if partner_ids is not None:
            run_skip_filter = SQL("AND log.partner_id = ANY(%s)", list(partner_ids))
        return SQL(
            """
            WITH items AS (
                SELECT item.company_id, item.partner_id,
                       SUM(item.amount_residual) AS total_due,
                       SUM(item.amount_residual)
                           FILTER (WHERE item.overdue) AS overdue_amount,
                       COUNT(*) FILTER (WHERE item.overdue) AS overdue_count,
                       MIN(item.date_maturity) AS oldest_due_date,
                       MAX(item.days_late) AS days_late,
                       -- every overdue item held back: the first reason
                       CASE WHEN bool_and(item.held IS NOT NULL)
                                 FILTER (WHERE item.overdue)
                            THEN MIN(item.held) FILTER (WHERE item.overdue)
                       END AS items_held
                  FROM (SELECT oi.*, %(held_back)s AS held,
                               %(overdue)s AS overdue, %(days_late)s AS days_late
                          FROM (%(open_items)s) oi) item
                 GROUP BY item.company_id, item.partner_id
                HAVING bool_or(item.overdue)
            ),
            credits AS (
                SELECT DISTINCT cr.company_id, cr.partner_id
                  FROM (%(all_items)s) cr
                 WHERE cr.amount_residual < 0
            ),
            last_runs AS (
                SELECT DISTINCT ON (company_id) company_id, id AS run_id, date
                  FROM dunning_run
                 WHERE trigger != 'preview'
                 ORDER BY company_id, id DESC
            ),
            run_skips AS (
                SELECT DISTINCT ON (log.partner_id, lr.company_id)
                       log.partner_id, lr.company_id, lr.date, log.reason
                  FROM last_runs lr
                  JOIN dunning_run_log log ON log.run_id = lr.run_id
                 WHERE TRUE %(run_skip_filter)s
                 ORDER BY log.partner_id, lr.company_id, log.id
            )
            SELECT items.partner_id::bigint * %(factor)s + items.company_id AS id,
                   items.partner_id,
                   items.company_id,
                   (p.dunning_collector_id ->> items.company_id::text)::int
                       AS collector_id,
                   p.user_id AS salesperson_id,
                   (p.dunning_typology_id ->> items.company_id::text)::int
                       AS typology_id,
                   hold.paused_until AS paused_until_sql,
                   CASE WHEN hold.promise_until >= %(today)s
                        THEN hold.promise_until END AS promise_until,
                   hold.partner_excluded AS excluded,
                   hold.litigation,
                   items.total_due,
                   items.overdue_amount,
                   items.overdue_count,
                   items.oldest_due_date,
                   items.days_late,
                   last.id AS last_communication_id,
                   last.date AS last_date,
                   last.level_id,
                   (SELECT COUNT(*) FROM dunning_dispute d
                     WHERE d.partner_id = items.partner_id
                       AND d.company_id = items.company_id
                       AND d.state = 'open') AS dispute_count,
                   (SELECT MIN(pr.date) FROM dunning_promise pr
                     WHERE pr.partner_id = items.partner_id
                       AND pr.company_id = items.company_id
                       AND pr.state = 'open') AS promise_date,
                   (SELECT COUNT(*) FROM dunning_payment_plan pl
                     WHERE pl.partner_id = items.partner_id
                       AND pl.company_id = items.company_id
                       AND pl.state = 'active') AS plan_count,
                   (SELECT MIN(act.date_deadline) FROM mail_activity act
                     WHERE act.res_model = 'res.partner'
                       AND act.res_id = items.partner_id) AS next_activity_date,
                   (SELECT s.risk_score FROM dunning_partner_score s
                     WHERE s.partner_id = items.partner_id
                       AND s.company_id = items.company_id) AS risk_score,
                   CASE WHEN hold.partner_excluded THEN 'partner_excluded'
                        WHEN hold.litigation THEN 'litigation'
                        WHEN hold.paused_until >= %(today)s THEN 'partner_paused'
                        WHEN hold.promise_until >= %(today)s THEN 'promise'
                        WHEN credits.partner_id IS NOT NULL
                            THEN 'unreconciled_payment'
                        WHEN items.items_held IS NOT NULL THEN items.items_held
                        -- skipped by the latest run of the company, and not
                        -- reminded since that day
                        WHEN last.date IS NULL OR last.date < run_skips.date
                            THEN run_skips.reason
                   END AS hold_reason
              FROM items
              JOIN res_partner p ON p.id = items.partner_id
              CROSS JOIN LATERAL (SELECT %(hold)s) hold
              LEFT JOIN LATERAL (
                    SELECT c.id, c.date, c.level_id
                      FROM dunning_communication c
                     WHERE c.partner_id = items.partner_id
                       AND c.company_id = items.company_id
                       AND c.state NOT IN ('cancelled', 'rejected')
                     ORDER BY c.date DESC, c.id DESC
                     LIMIT 1
              ) last ON TRUE
              LEFT JOIN credits ON credits.partner_id = items.partner_id
                               AND credits.company_id = items.company_id
              LEFT JOIN run_skips ON run_skips.partner_id = items.partner_id
                                 AND run_skips.company_id = items.company_id
            """,
            factor=ROW_ID_FACTOR,
            today=day,
            open_items=planner._open_item_sql(company_ids, partner_ids),
            all_items=planner._open_item_sql(
                company_ids, partner_ids, invoices_only=False
            ),
            run_skip_filter=run_skip_filter,
            held_back=planner._held_back_sql("oi"),
            overdue=planner._overdue_sql("oi", day),
            days_late=planner._days_late_sql("oi", day),
            hold=planner._customer_hold_sql("p", SQL("items.company_id")),
        )

    @api.depends("last_communication_id")
    def _compute_last_channels(self):
        labels = {
            "email": _("Email"),
            "letter": _("Letter"),
            "sms": _("SMS"),
            "call": _("Call"),
        }
        for row in self:
            comm = row.last_communication_id
            row.last_channels = (
                ", ".join(labels[ch] for ch in comm._channels()) if (comm) else False
            )

    def _compute_next_date(self):
        """Next reminder from the planner, one call per company."""
        by_company = defaultdict(lambda: self.browse())
        for row in self:
            by_company[row.company_id] |= row
        today = fields.Date.context_today(self)
        run_model = self.env["dunning.run"]
        for company, rows in by_company.items():
            status = run_model._partner_status(company, today, rows.partner_id.ids)
            for row in rows:
                values = status.get(row.partner_id.id, {})
                row.next_date = values.get("next_date")
                row.next_level_id = values.get("next_level_id")

    def _compute_paused_until(self):
        for row in self:
            row.paused_until = row.paused_until_sql

    def _inverse_paused_until(self):
        for row in self:
            partner = row.partner_id.with_company(row.company_id)
            partner._dunning_set_pause(row.paused_until)
            partner._dunning_post(
                _("Reminders paused until %(date)s.", date=row.paused_until)
                if row.paused_until
                else _("Reminders resumed.")
            )

    def _compute_related_records(self):
        partners = self.partner_id
        items = self.env["account.move.line"].browse(
            self.env["dunning.planner"]._open_item_ids(
                self.company_id.ids, partners.ids
            )
        )
        domain = [("partner_id", "in", partners.ids)]
        comms = self.env["dunning.communication"].search(domain)
        promises = self.env["dunning.promise"].search(domain)
        disputes = self.env["dunning.dispute"].search(domain)
        plans = self.env["dunning.payment.plan"].search(domain)
        activities = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "in", partners.ids)]
        )
        for row in self:

            def mine(records, row=row):
                return records.filtered(
                    lambda r: r.partner_id == row.partner_id
                    and r.company_id == row.company_id
                )

            row.item_ids = items.filtered(
                lambda aml, row=row: aml.partner_id.commercial_partner_id
                == row.partner_id
                and aml.company_id == row.company_id
            )
            row.communication_ids = mine(comms)
            row.promise_ids = mine(promises)
            row.dispute_ids = mine(disputes)
            row.plan_ids = mine(plans)
            row.activity_ids = activities.filtered(
                lambda act, row=row: act.res_id == row.partner_id.id
            )

    @api.model
    def _cron_assign_collectors(self):
        """Give the worklist's customers without a collector their default one."""
        rows = self.search([("collector_id", "=", False)])
        for company in rows.company_id:
            rows.filtered(
                lambda r, c=company: r.company_id == c
            ).partner_id.with_company(company)._dunning_fill_collectors()

    # Actions of the customer's dunning page

    def action_open_partner(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "view_mode": "form",
        }

    def action_log_call(self, outcome=False):
        self.ensure_one()
        context = {
            "default_partner_id": self.partner_id.id,
            "default_company_id": self.company_id.id,
            "default_communication_id": self.last_communication_id.id,
        }
        if outcome:
            context["default_outcome"] = outcome
        titles = {
            "reached_promise": _("Promise to Pay"),
            "reached_dispute": _("Dispute"),
            "reached_plan": _("Payment Plan"),
        }
        return {
            "type": "ir.actions.act_window",
            "name": titles.get(outcome) or _("Log Call Outcome"),
            "res_model": "dunning.call.outcome.wizard",
            "view_mode": "form",
            "target": "new",
            "context": context,
        }

    def action_promise(self):
        return self.action_log_call("reached_promise")

    def action_dispute(self):
        return self.action_log_call("reached_dispute")

    def action_plan(self):
        return self.action_log_call("reached_plan")

    def action_reassign(self):
        return {
            "type": "ir.actions.act_window",
            "name": _("Reassign Collector"),
            "res_model": "dunning.assign.collector.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"active_model": self._name, "active_ids": self.ids},
        }

    def action_resume(self):
        self.paused_until = False
