# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import gc
from collections import defaultdict
from contextlib import contextmanager
from datetime import timedelta

from odoo import api, models
from odoo.tools import SQL, float_round

WINDOW_DAYS = 30

PENALTY_FIELDS = (
    "penalty_interest",
    "penalty_indemnity",
    "penalty_interest_currency",
    "penalty_indemnity_currency",
)


class DunningPlanner(models.AbstractModel):
    """The one place that decides who is reminded, of what, at which level and
    by which channels. It only reads: the scheduled run, the manual wizard and
    the preview all call it, and act on its plan afterwards."""

    _name = "dunning.planner"
    _description = "Dunning Planner"

    # ------------------------------------------------------------------
    # Rules: each written once, as SQL the worklist, the reports, the
    # scoring and the workspace compose
    # ------------------------------------------------------------------
    @api.model
    def _open_item_sql(
        self, company_ids=None, partner_ids=None, invoices_only=True, item_ids=None
    ):
        """SELECT of the open receivable items, one row per item: the posted,
        unreconciled lines of receivable accounts. With ``invoices_only``, the
        instalments (payment-term lines) of customer invoices and receipts:
        what a reminder asks to pay. Without, unapplied payments and credit
        notes too (negative amounts), as an aged balance shows them.

        Columns: id, move_id, move_name, move_type, payment_state,
        move_excluded, einvoice_status, einvoice_status_date (the entry's
        latest e-invoicing lifecycle status), company_id, partner_id (the
        commercial entity), date, date_maturity, currency_id,
        amount_residual (company currency), amount_residual_currency.

        ``item_ids`` limits it to those items (journal item ids): a re-check
        of reminded items reads them by their keys instead of every open
        item of their customers.
        """
        conditions = [
            SQL("aml.parent_state = 'posted'"),
            SQL("NOT aml.reconciled"),
            SQL("acc.account_type = 'asset_receivable'"),
        ]
        if invoices_only:
            conditions += [
                SQL("aml.display_type = 'payment_term'"),
                SQL("am.move_type IN ('out_invoice', 'out_receipt')"),
            ]
        if company_ids is not None:
            conditions.append(SQL("aml.company_id = ANY(%s)", list(company_ids)))
        if partner_ids is not None:
            conditions.append(
                SQL("lp.commercial_partner_id = ANY(%s)", list(partner_ids))
            )
        if item_ids is not None:
            conditions.append(SQL("aml.id = ANY(%s)", list(item_ids)))
        # every line has its entry (move_id is required): a LEFT JOIN gives the
        # same rows, and lets PostgreSQL leave the entry out of a statement
        # that reads none of its columns (an aged balance grouped by customer
        # and age: 403,700 look-ups fewer at 50,000 customers)
        return SQL(
            """
            SELECT aml.id, aml.move_id, am.name AS move_name, am.move_type,
                   am.payment_state, am.dunning_excluded AS move_excluded,
                   am.dunning_einvoice_status AS einvoice_status,
                   am.dunning_einvoice_status_date AS einvoice_status_date,
                   aml.company_id, lp.commercial_partner_id AS partner_id,
                   aml.date, aml.date_maturity, aml.currency_id,
                   aml.amount_residual, aml.amount_residual_currency
              FROM account_move_line aml
              LEFT JOIN account_move am ON am.id = aml.move_id
              JOIN account_account acc ON acc.id = aml.account_id
              JOIN res_partner lp ON lp.id = aml.partner_id
             WHERE %s
            """,
            SQL(" AND ").join(conditions),
        )

    @api.model
    def _overdue_sql(self, item, date):
        """Condition: the open item ``item`` (a row alias of
        :meth:`_open_item_sql`) is overdue on ``date``: its due date is
        before that day (due yesterday or earlier; due today is not late).

        The scenario's grace days are NOT part of it: an item in its grace
        days is overdue, the plan only waits before reminding it. Items held
        back (disputed, excluded, announced paid) stay overdue: they are not
        paid. Credit notes and unapplied payments are no invoice items; paid
        items are no open items. Every screen that says "overdue" (worklist,
        call activities, scoring, customer status, preview) asks this."""
        return SQL("%s.date_maturity < %s", SQL.identifier(item), date)

    @api.model
    def _days_late_sql(self, item, date):
        """Days ``item`` is late on ``date``: 0 when it is not overdue."""
        return SQL("GREATEST(%s - %s.date_maturity, 0)", date, SQL.identifier(item))

    @api.model
    def _overdue_item_sql(self, date, company_ids=None, partner_ids=None):
        """SELECT of the overdue open invoice items on ``date`` (columns of
        :meth:`_open_item_sql`, plus days_late)."""
        return SQL(
            "SELECT item.*, %s AS days_late FROM (%s) item WHERE %s",
            self._days_late_sql("item", date),
            self._open_item_sql(company_ids, partner_ids),
            self._overdue_sql("item", date),
        )

    @api.model
    def _days_late(self, item, date):
        """Days an item of the plan (``date_maturity`` key) is late on
        ``date``, negative before its due date: :meth:`_overdue_sql` in
        Python, for the items already in memory."""
        return (date - item["date_maturity"]).days

    @api.model
    def _is_overdue(self, item, date):
        """Whether an item of :meth:`_select_open_items` counts as overdue
        on ``date``: an invoice item past its due date. A payment plan's
        instalment is no such item: its invoices already count."""
        return not item.get("plan_line_id") and self._days_late(item, date) > 0

    @api.model
    def _overdue_totals(self, company, date, partner_ids=None):
        """{customer id: {"amount": overdue in company currency, "count":
        items, "days_late": of the oldest}} on ``date``, in one query."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT item.partner_id, SUM(item.amount_residual), COUNT(*),
                       MAX(item.days_late)
                  FROM (%s) item
                 GROUP BY item.partner_id
                """,
                self._overdue_item_sql(date, [company.id], partner_ids),
            )
        )
        return {
            partner_id: {"amount": amount, "count": count, "days_late": days_late}
            for partner_id, amount, count, days_late in self.env.cr.fetchall()
        }

    @api.model
    def _scenario_sql(self, partner, company):
        """The scenario of the customer row ``partner`` (an alias of
        res_partner) in the company ``company`` (an SQL expression): its own,
        else its typology's, else the company's."""
        partner = SQL.identifier(partner)
        return SQL(
            """COALESCE(
                (%(p)s.dunning_scenario_id ->> (%(c)s)::text)::int,
                (SELECT typ.scenario_id FROM dunning_typology typ
                  WHERE typ.id = (%(p)s.dunning_typology_id ->> (%(c)s)::text)::int),
                (SELECT comp.dunning_scenario_id FROM res_company comp
                  WHERE comp.id = %(c)s))""",
            p=partner,
            c=company,
        )

    @api.model
    def _contact_sql(self, partner):
        """The contact that receives the reminders of the customer row
        ``partner``: its first active invoice-address contact, else itself."""
        partner = SQL.identifier(partner)
        return SQL(
            """COALESCE(
                (SELECT c.id FROM res_partner c
                  WHERE c.parent_id = %(p)s.id AND c.type = 'invoice' AND c.active
                  ORDER BY c.id LIMIT 1),
                %(p)s.id)""",
            p=partner,
        )

    @api.model
    def _disputed_sql(self, move_id):
        """True when the invoice of id ``move_id`` (an SQL expression) has an
        open dispute."""
        return SQL(
            """EXISTS (SELECT 1 FROM dunning_dispute dsp
                        WHERE dsp.move_id = %s AND dsp.state = 'open')""",
            move_id,
        )

    @api.model
    def _held_back_sql(self, item, date=None):
        """Why the row ``item`` of :meth:`_open_item_sql` is held back, or
        NULL: a payment on its way, the invoice's e-invoicing status (at
        ``date``, default today), an open dispute, the invoice's exclusion,
        an active payment plan (its instalments are the items then), a
        payment the customer declared and whose hold is not over on ``date``."""
        return SQL(
            """CASE
                WHEN %(i)s.payment_state IN ('paid', 'in_payment', 'reversed')
                    THEN 'in_payment'
                WHEN %(einvoice)s IS NOT NULL THEN %(einvoice)s
                WHEN %(disputed)s THEN 'disputed'
                WHEN %(i)s.move_excluded THEN 'invoice_excluded'
                WHEN EXISTS (
                    SELECT 1 FROM dunning_payment_plan_move_rel rel
                      JOIN dunning_payment_plan plan ON plan.id = rel.plan_id
                     WHERE rel.move_id = %(i)s.move_id AND plan.state = 'active')
                    THEN 'payment_plan'
                WHEN EXISTS (
                    SELECT 1 FROM dunning_payment_declaration_move_rel drel
                      JOIN dunning_payment_declaration decl
                        ON decl.id = drel.declaration_id
                     WHERE drel.move_id = %(i)s.move_id AND decl.state = 'open'
                       AND decl.hold_until >= %(date)s)
                    THEN 'declared_paid'
               END""",
            i=SQL.identifier(item),
            einvoice=self._einvoice_hold_sql(item, date),
            date=date or SQL("CURRENT_DATE"),
            disputed=self._disputed_sql(SQL("%s.move_id", SQL.identifier(item))),
        )

    @api.model
    def _einvoice_hold_sql(self, item, date=None):
        """What the latest e-invoicing lifecycle status of the invoice of the
        row ``item`` (of :meth:`_open_item_sql`) holds it back for, or NULL:
        refused or rejected (never reminded), suspended, or a payment
        transmitted fewer than the company's "payment announced" days before
        ``date`` (an SQL value, default today). A dispute opens a
        dunning.dispute instead. Read from the row's own columns: once every
        invoice has a status, a look-up of its entry per item (twice) cost as
        much as the rest of the selection."""
        return SQL(
            """CASE
                WHEN %(i)s.einvoice_status IN ('refused', 'rejected')
                    THEN 'einvoice_refused'
                WHEN %(i)s.einvoice_status = 'suspended'
                    THEN 'einvoice_suspended'
                -- the company's days read for these items only
                WHEN %(i)s.einvoice_status = 'payment_transmitted' THEN CASE
                    WHEN %(i)s.einvoice_status_date
                         + COALESCE((SELECT ec.dunning_payment_announced_days
                                       FROM res_company ec
                                      WHERE ec.id = %(i)s.company_id), 0)
                         > %(date)s
                        THEN 'payment_announced'
                    END
               END""",
            i=SQL.identifier(item),
            date=SQL("CURRENT_DATE") if date is None else SQL("%s::date", date),
        )

    @api.model
    def _customer_hold_sql(self, partner, company):
        """Columns of what holds back every item of the customer row
        ``partner`` in the company ``company``: its exclusion, its litigation,
        the collector's manual pause (paused_until) and the end of its open
        promises to pay (promise_until), each read where it lives."""
        return SQL(
            """COALESCE((%(p)s.dunning_excluded ->> (%(c)s)::text)::boolean, false)
                   AS partner_excluded,
               COALESCE((%(p)s.dunning_litigation ->> (%(c)s)::text)::boolean, false)
                   AS litigation,
               (%(p)s.dunning_paused_until ->> (%(c)s)::text)::date AS paused_until,
               (SELECT MAX(pr.paused_until) FROM dunning_promise pr
                 WHERE pr.partner_id = %(p)s.id AND pr.company_id = %(c)s
                   AND pr.state = 'open') AS promise_until""",
            p=SQL.identifier(partner),
            c=company,
        )

    @api.model
    def _reminded_item_sql(self, communications=None):
        """SELECT of the receivable items each reminder asked to pay, one row
        per reminder and item: the reminded invoice instalment itself, or for
        a payment plan's instalment the payment-term lines of the plan's
        invoices, which its payments settle. Payments are credited to the
        reminders through it alike (effectiveness report, scoring).
        ``communications``: SQL selecting the ids of the reminders wanted
        (None: every one).

        Columns: communication_id, move_line_id.
        """
        wanted = SQL("TRUE")
        if communications is not None:
            wanted = SQL("dcl.communication_id IN (%s)", communications)
        return SQL(
            """
            SELECT dcl.communication_id, dcl.move_line_id
              FROM dunning_communication_line dcl
             WHERE dcl.move_line_id IS NOT NULL AND %(wanted)s
             UNION
            SELECT dcl.communication_id, aml.id
              FROM dunning_communication_line dcl
              JOIN dunning_payment_plan_line pl ON pl.id = dcl.plan_line_id
              JOIN dunning_payment_plan_move_rel rel ON rel.plan_id = pl.plan_id
              JOIN account_move_line aml
                ON aml.move_id = rel.move_id
               AND aml.display_type = 'payment_term'
             WHERE dcl.move_line_id IS NULL AND %(wanted)s
            """,
            wanted=wanted,
        )

    # Read in Python by the models that show these rules

    @api.model
    def _scenario_of(self, partners, company):
        """{partner id: scenario id or None} in ``company``."""
        return self._partner_values(
            partners, self._scenario_sql("p", SQL("%s", company.id))
        )

    @api.model
    def _contact_of(self, partners):
        """{partner id: contact id} of the reminders of ``partners``."""
        return self._partner_values(partners, self._contact_sql("p"))

    @api.model
    def _partner_values(self, partners, expression):
        if not partners:
            return {}
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT p.id, %s FROM res_partner p WHERE p.id = ANY(%s)",
                expression,
                partners.ids,
            )
        )
        return dict(self.env.cr.fetchall())

    @api.model
    def _open_item_ids(self, company_ids, partner_ids):
        """Ids of the open invoice items of ``partner_ids`` in ``company_ids``."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT item.id FROM (%s) item ORDER BY item.date_maturity, item.id",
                self._open_item_sql(company_ids, partner_ids),
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    # ------------------------------------------------------------------
    # Selection
    # ------------------------------------------------------------------
    @api.model
    def _select_open_items(self, company, date, partner_ids=None):
        """Open items of ``company`` with everything the plan needs, read in a
        fixed number of queries whatever the number of customers: the items
        (one query), their customers, the history, the unapplied payments.
        The invoices of an active payment plan stay items, held back; the
        plan's open instalments are items instead, with their own due date
        and amount."""
        self.env.flush_all()
        with self._without_jit(), self._without_gc():
            residuals = self.env["dunning.payment.plan.residual"]
            self.env.cr.execute(
                SQL(
                    """
SELECT oi.id, NULL::int AS plan_line_id, oi.move_id, oi.partner_id,
       oi.move_name, oi.date_maturity, oi.currency_id,
       %(company_currency)s AS company_currency_id,
       -- float8: read by psycopg2 itself, not by Odoo's numeric-to-float
       -- callback (807,000 Python calls at 50,000 customers): the same float
       oi.amount_residual::float8 AS amount_residual,
       oi.amount_residual_currency::float8 AS amount_residual_currency,
       %(held_back)s AS hold_reason,
       COALESCE(sent.level_ids, ARRAY[]::int[]) AS sent_level_ids,
       COALESCE(sent.indemnity_charged, FALSE) AS indemnity_charged
  FROM (%(open_items)s) oi
  -- the reminder lines of the item's invoice, read once for both: the levels
  -- the item reached, the fixed indemnity charged on the invoice (a quarter
  -- fewer index reads than a look-up each, at 403,700 items)
  LEFT JOIN LATERAL (
       SELECT array_agg(line.level_id) FILTER (
                  WHERE line.move_line_id = oi.id
                    AND line.state IS DISTINCT FROM 'rejected'
              ) AS level_ids,
              bool_or(line.penalty_indemnity > 0
                      AND line.state NOT IN ('cancelled', 'rejected')
              ) AS indemnity_charged
         FROM dunning_communication_line line
        WHERE line.move_id = oi.move_id
  ) sent ON TRUE
UNION ALL
SELECT NULL::int, inst.id, inst.move_id, inst.partner_id, inst.move_name,
       inst.date, inst.currency_id, %(company_currency)s,
       ROUND(inst.amount_residual * inst.company_rate, %(digits)s)::float8,
       inst.amount_residual::float8, NULL,
       COALESCE(sent.level_ids, ARRAY[]::int[]),
       -- an agreed plan bears no penalties
       TRUE
  FROM (%(instalments)s) inst
  LEFT JOIN LATERAL (
       SELECT array_agg(line.level_id) AS level_ids
         FROM dunning_communication_line line
        WHERE line.plan_line_id = inst.id
          AND line.state IS DISTINCT FROM 'rejected'
  ) sent ON TRUE
 WHERE inst.plan_state = 'active' AND inst.amount_residual > 0
   AND inst.move_id IS NOT NULL
 ORDER BY partner_id, date_maturity, id, plan_line_id
                """,
                    company_currency=company.currency_id.id,
                    digits=company.currency_id.decimal_places,
                    open_items=self._open_item_sql([company.id], partner_ids),
                    instalments=residuals._instalment_sql([company.id], partner_ids),
                    held_back=self._held_back_sql("oi", date),
                )
            )
            items = self._fetch_dicts()
            partners = sorted({item["partner_id"] for item in items})
            return {
                "company_id": company.id,
                "items": items,
                "customers": self._select_customers(company, partners),
                "history": self._select_history(company, date, partners),
                "credit_partner_ids": self._select_credit_partners(company, partners),
            }

    @api.model
    def _fetch_dicts(self):
        """The rows of the last query as dicts, as ``cr.dictfetchall()``
        makes them but with the column names read once: at 50,000 customers
        (403,700 items) it builds them in a third of the time."""
        cr = self.env.cr
        names = [column.name for column in cr.description]
        return [dict(zip(names, row, strict=False)) for row in cr.fetchall()]

    @contextmanager
    def _without_jit(self):
        """PostgreSQL's JIT compiler off for the selection's statements: from
        about 20,000 customers their estimated cost passes ``jit_above_cost``
        and PostgreSQL spends seconds compiling them (26 s of a 33 s open-item
        query at 50,000 customers) to save milliseconds. The transaction's
        setting is restored after them."""
        cr = self.env.cr
        cr.execute("SELECT current_setting('jit'), set_config('jit', 'off', true)")
        previous = cr.fetchone()[0]
        yield
        cr.execute(SQL("SELECT set_config('jit', %s, true)", previous))

    @contextmanager
    def _without_gc(self):
        """Python's cyclic garbage collector paused while the plan reads its
        rows and plans them, as Odoo's profiler pauses it: the selection and
        the plan allocate a few million tuples, dicts and lists (403,700
        items at 50,000 customers), none of them in a reference cycle, and
        each full collection they trigger walks every object of the server
        again (1.6 s of the 2.3 s the rows took to read into Python). It is
        enabled again after them when it was before."""
        enabled = gc.isenabled()
        gc.disable()
        try:
            yield
        finally:
            if enabled:
                gc.enable()

    @api.model
    def _screen_without_jit(self):
        """PostgreSQL's JIT compiler off for the rest of the transaction, called
        by the screens whose SQL view aggregates every open item or reminder
        (worklist, aged receivables, KPIs, effectiveness) when they build a
        statement: at 50,000 customers the estimated cost of their statements
        passes ``jit_above_cost`` and compiling took 5.7 s of the worklist's 7.4 s
        first page (2.9 s without). The setting is the transaction's own (a
        request's or a job's), never the connection's."""
        self.env.cr.execute("SELECT set_config('jit', 'off', true)")

    @api.model
    def _select_customers(self, company, partner_ids):
        """{partner: what the plan reads of the customer}: its scenario,
        contact, collector, typology, language and what holds it back."""
        if not partner_ids:
            return {}
        company_sql = SQL("%s", company.id)
        self.env.cr.execute(
            SQL(
                """
SELECT p.id, COALESCE(p.is_company, false) AS is_company, p.lang,
       (p.dunning_typology_id ->> %(cid)s)::int AS typology_id,
       (p.dunning_collector_id ->> %(cid)s)::int AS collector_id,
       %(scenario)s AS scenario_id,
       %(contact)s AS contact_id,
       %(customer_hold)s
  FROM res_partner p
 WHERE p.id = ANY(%(partner_ids)s)
                """,
                cid=str(company.id),
                partner_ids=list(partner_ids),
                scenario=self._scenario_sql("p", company_sql),
                contact=self._contact_sql("p"),
                customer_hold=self._customer_hold_sql("p", company_sql),
            )
        )
        return {row["id"]: row for row in self._fetch_dicts()}

    @api.model
    def _select_history(self, company, date, partner_ids):
        """{partner: {"dates": [date desc], "level_id": last level}} of the
        reminders not cancelled, for the interval and the 30-day cap."""
        if not partner_ids:
            return {}
        self.env.cr.execute(
            SQL(
                """
SELECT partner_id,
       array_agg(date ORDER BY date DESC, id DESC) AS dates,
       (array_agg(level_id ORDER BY date DESC, id DESC))[1] AS level_id
  FROM dunning_communication
 WHERE company_id = %s AND partner_id = ANY(%s)
   AND state NOT IN ('cancelled', 'rejected')
 GROUP BY partner_id
                """,
                company.id,
                list(partner_ids),
            )
        )
        return {
            row["partner_id"]: {"dates": row["dates"], "level_id": row["level_id"]}
            for row in self.env.cr.dictfetchall()
        }

    @api.model
    def _select_credit_partners(self, company, partner_ids):
        """Customers with a posted incoming payment or credit note not yet
        reconciled: they are reminded only once it is matched."""
        if not partner_ids:
            return set()
        self.env.cr.execute(
            SQL(
                """
SELECT DISTINCT item.partner_id
  FROM (%s) item
 WHERE item.amount_residual < 0
                """,
                self._open_item_sql([company.id], partner_ids, invoices_only=False),
            )
        )
        return {row[0] for row in self.env.cr.fetchall()}

    # ------------------------------------------------------------------
    # Plan
    # ------------------------------------------------------------------
    @api.model
    def _plan(self, company, date, items, bypass_interval=False, penalties=True):
        """Decide, without writing anything, the reminders of ``date``.

        :param items: the result of :meth:`_select_open_items`
        :param penalties: False for a plan that only counts its reminders
            (who, which level and channels, amounts due): the penalty
            figures of its communications are None, not computed (interest
            and indemnity of every reminded item were 40 % of a whole
            company's plan), and their ``lines`` None. Who is reminded does
            not depend on them.
        :return: {"communications": [...], "skips": [...]} where each
            communication is a dict (partner_id, level, items with their own
            level and penalties, totals) and each skip a dict (partner_id,
            move_id, move_line_id, level_id, reason, amount)
        """
        context = self._plan_context(company, date, items)
        context["penalties"] = penalties
        return self._plan_in_context(context, items, bypass_interval)

    @api.model
    def _plan_in_context(self, context, items, bypass_interval=False):
        communications, skips = [], []
        by_partner = defaultdict(list)
        with self._without_gc():
            for item in items["items"]:
                by_partner[item["partner_id"]].append(item)
            for partner_id, partner_items in by_partner.items():
                comms, partner_skips = self._plan_partner(
                    context, partner_id, partner_items, bypass_interval
                )
                communications += comms
                skips += partner_skips
        return {"communications": communications, "skips": skips}

    @api.model
    def _plan_context(self, company, date, items):
        """What a plan reads besides the items, loaded once per plan."""
        scenario_ids = {
            customer["scenario_id"]
            for customer in items["customers"].values()
            if customer["scenario_id"]
        }
        scenarios = self.env["dunning.scenario"].browse(scenario_ids).exists()
        levels = {}
        for scenario in scenarios:
            levels[scenario.id] = scenario.level_ids.sorted(
                lambda lv: (lv.offset_days, lv.sequence, lv.id)
            )
        # the offsets of every level, the items having reached levels since
        # archived or moved to another scenario too: a small table, read once
        # instead of looking through every item's levels for them
        self.env["dunning.level"].flush_model(["offset_days"])
        self.env.cr.execute("SELECT id, offset_days FROM dunning_level")
        offsets = dict(self.env.cr.fetchall())
        return {
            "company": company,
            "date": date,
            "scenarios": {sc.id: sc for sc in scenarios if sc.active},
            "levels": levels,
            "offsets": offsets,
            "customers": items["customers"],
            "history": items["history"],
            "credit_partner_ids": items["credit_partner_ids"],
            "is_business_day": self._is_business_day(company, date),
            "precision": company.currency_id.rounding,
        }

    @api.model
    def _is_business_day(self, company, date):
        if date.weekday() >= 5:
            return False
        return date not in self._holidays(company, date)

    @api.model
    def _holidays(self, company, date):
        """Days off of the company's working schedule around ``date``; cached
        per plan by the caller's context to read them once per run."""
        cache = self.env.context.get("dunning_holidays")
        key = (company.id, date.year)
        if cache is not None and key in cache:
            return cache[key]
        days = set()
        calendar = company.resource_calendar_id
        if calendar:
            leaves = self.env["resource.calendar.leaves"].search_read(
                [
                    ("resource_id", "=", False),
                    ("calendar_id", "in", [calendar.id, False]),
                    ("company_id", "in", [company.id, False]),
                    ("date_from", "<=", f"{date.year + 1}-01-31"),
                    ("date_to", ">=", f"{date.year - 1}-12-01"),
                ],
                ["date_from", "date_to"],
            )
            for leave in leaves:
                day = leave["date_from"].date()
                while day <= leave["date_to"].date():
                    days.add(day)
                    day += timedelta(days=1)
        if cache is not None:
            cache[key] = days
        return days

    @api.model
    def _target_level(self, context, scenario, item):
        """The level ``item`` reaches at the plan's date, or None: the
        highest level due, but after the due date never more than one step
        above the last level it reached."""
        return self._item_level(context, self._scenario_facts(context, scenario), item)

    @api.model
    def _item_level(self, context, facts, item):
        """:meth:`_target_level` from the scenario's facts
        (:meth:`_scenario_facts`): asked for every open item of every
        customer (403,700 at 50,000 customers), it reads no record. The
        answer depends on the days late and the levels already reached
        only: it is kept per scenario for each pair met (a few thousand
        at 50,000 customers), the plan's levels being the same for all."""
        days_late = self._days_late(item, context["date"])
        key = (days_late, tuple(item["sent_level_ids"]))
        memo = facts["item_levels"]
        if key not in memo:
            memo[key] = self._level_reached(context, facts, days_late, key[1])
        return memo[key]

    @api.model
    def _level_reached(self, context, facts, days_late, sent):
        """The level an item ``days_late`` days late (negative before its
        due date) reaches when it already reached the levels ``sent``: the
        rule of :meth:`_target_level`."""
        steps = facts["steps"]
        if not steps:
            return None
        last_offset = None
        if sent:
            offsets = context["offsets"]
            last_offset = max([offsets.get(lid, 0) for lid in sent])
        if days_late < 0:
            target = None
            for level, level_id, offset in steps:
                if offset < 0 and offset <= days_late:
                    target = (level, level_id, offset)
            if target is None or target[1] in sent:
                return None
            if last_offset is not None and target[2] <= last_offset:
                return None
            return target[0]
        for level, level_id, offset in steps:
            if offset < 0 or level_id in sent:
                continue
            if last_offset is not None and offset <= last_offset:
                continue
            grace = facts["grace"] if offset > 0 else 0
            return level if offset + grace <= days_late else None
        return None

    @api.model
    def _level_steps(self, context, scenario):
        """[(level, id, offset days)] of the scenario, in the plan's order."""
        return self._scenario_facts(context, scenario)["steps"]

    @api.model
    def _scenario_facts(self, context, scenario):
        """What the plan reads of ``scenario`` and its levels, read once per
        plan as plain values: the plan asks them for every customer and item
        (and the next-date replan for every day), and each field of a record
        is a cache look-up (2 s of the plan at 50,000 customers).

        steps: [(level, id, offset days)] in the plan's order; levels: {level
        id: {offset, sequence, include_penalties, channels}}."""
        memo = context.setdefault("scenario_facts", {})
        facts = memo.get(scenario.id)
        if facts is None:
            levels = context.get("levels", {}).get(scenario.id)
            if levels is None:
                levels = scenario.level_ids.sorted(
                    lambda lv: (lv.offset_days, lv.sequence, lv.id)
                )
            facts = memo[scenario.id] = {
                "steps": [(lv, lv.id, lv.offset_days) for lv in levels],
                "grace": scenario.grace_days,
                "min_amount": scenario.min_amount,
                "consolidation": scenario.consolidation,
                "min_interval_days": scenario.min_interval_days,
                "max_per_30_days": scenario.max_per_30_days,
                "business_days_only": scenario.business_days_only,
                "lang": scenario.language_id.code,
                # {(days late, levels reached): level}: see _item_level
                "item_levels": {},
            }
        return facts

    @api.model
    def _level_facts(self, context, level):
        """{offset, sequence, include_penalties, channels} of ``level``,
        read once per plan."""
        memo = context.setdefault("level_facts", {})
        facts = memo.get(level.id)
        if facts is None:
            facts = memo[level.id] = {
                "offset": level.offset_days,
                "sequence": level.sequence,
                "include_penalties": level.include_penalties,
                "channels": level._channels(),
            }
        return facts

    @api.model
    def _item_skip_reason(self, context, item):
        return item["hold_reason"]

    @api.model
    def _partner_skip_reason(self, context, partner_id, sample, scenario):
        if sample["partner_excluded"]:
            return "partner_excluded"
        if sample["litigation"]:
            return "litigation"
        if sample["paused_until"] and sample["paused_until"] >= context["date"]:
            return "partner_paused"
        if sample["promise_until"] and sample["promise_until"] >= context["date"]:
            return "promise"
        if partner_id in context["credit_partner_ids"]:
            return "unreconciled_payment"
        # the scenario read only on days off: asked for every customer
        if not context["is_business_day"] and scenario.business_days_only:
            return "non_business_day"
        return None

    @api.model
    def _frequency_skip_reason(self, context, partner_id, scenario, bypass_interval):
        dates = context["history"].get(partner_id, {}).get("dates") or []
        if not dates:
            # no reminder yet: neither the interval nor the cap (at least 1,
            # a constraint of the scenario) can refuse
            return None
        facts = self._scenario_facts(context, scenario)
        date = context["date"]
        if not bypass_interval:
            if (date - dates[0]).days < facts["min_interval_days"]:
                return "interval"
        window = {d for d in dates if 0 <= (date - d).days < WINDOW_DAYS}
        if len(window) >= facts["max_per_30_days"]:
            return "max_per_30_days"
        return None

    @api.model
    def _plan_partner(self, context, partner_id, partner_items, bypass_interval):
        """Communications and skips of one customer, from data in memory."""
        sample = context["customers"][partner_id]
        scenario = context["scenarios"].get(sample["scenario_id"])
        skips = []

        def skip(entries, reason, level_of=None):
            for item, level in entries:
                skips.append(
                    {
                        "partner_id": partner_id,
                        "move_id": item["move_id"],
                        "move_line_id": item["id"],
                        "level_id": level.id if level else False,
                        "reason": reason,
                        "amount": item["amount_residual"],
                    }
                )

        if not scenario:
            due = [
                (it, None)
                for it in partner_items
                if self._days_late(it, context["date"]) > 0
            ]
            skip(due, "no_scenario")
            return [], skips
        facts = self._scenario_facts(context, scenario)
        candidates = []
        for item in partner_items:
            level = self._item_level(context, facts, item)
            if not level:
                continue
            reason = self._item_skip_reason(context, item)
            if reason:
                skip([(item, level)], reason)
            else:
                candidates.append((item, level))
        if not candidates:
            return [], skips
        reason = self._partner_skip_reason(
            context, partner_id, sample, scenario
        ) or self._frequency_skip_reason(context, partner_id, scenario, bypass_interval)
        if not reason:
            total = sum(item["amount_residual"] for item, _level in candidates)
            if total < facts["min_amount"]:
                reason = "below_threshold"
        if reason:
            skip(candidates, reason)
            return [], skips
        if facts["consolidation"] == "invoice":
            groups = defaultdict(list)
            for item, level in candidates:
                groups[item["move_id"]].append((item, level))
            groups = list(groups.values())
        else:
            groups = [candidates]
        comms = [
            self._plan_communication(context, partner_id, sample, scenario, group)
            for group in groups
        ]
        return comms, skips

    @api.model
    def _plan_communication(self, context, partner_id, sample, scenario, group):
        levels = {lv.id: lv for _item, lv in group}
        level = levels.popitem()[1] if len(levels) == 1 else None
        if level is None:
            level_facts = {
                lid: self._level_facts(context, lv) for lid, lv in levels.items()
            }
            level = levels[
                max(
                    level_facts,
                    key=lambda lid: (
                        level_facts[lid]["offset"],
                        level_facts[lid]["sequence"],
                    ),
                )
            ]
        facts = self._level_facts(context, level)
        terms = self._penalty_terms(context, scenario)
        regime = terms["regime"]
        if terms["business_only"] and not sample["is_company"]:
            regime = "none"
        penalties = facts["include_penalties"] and regime != "none"
        # a plan that only counts its reminders has no lines: their figures
        # are what it leaves out (a dict per reminded item, 0.4 s at 50,000
        # customers)
        computed = context.get("penalties", True)
        lines = [] if computed else None
        charged = set()
        zero = dict.fromkeys(PENALTY_FIELDS, 0.0)
        for item, item_level in group if computed else ():
            days_late = self._days_late(item, context["date"])
            figures = zero
            if penalties and days_late > 0 and not item["plan_line_id"]:
                figures = self._penalties(context, terms, item, days_late, charged)
            lines.append(
                {"item": item, "level": item_level, "days_late": days_late, **figures}
            )
        return {
            "partner_id": partner_id,
            "contact_id": sample["contact_id"],
            "collector_id": sample["collector_id"],
            "typology_id": sample["typology_id"],
            "lang": sample["lang"] or self._scenario_facts(context, scenario)["lang"],
            "scenario": scenario,
            "level": level,
            "channels": list(facts["channels"]),
            "lines": lines,
            "amount_due": sum(it["amount_residual"] for it, _lv in group),
            "penalty_interest": (
                sum(line["penalty_interest"] for line in lines) if computed else None
            ),
            "penalty_indemnity": (
                sum(line["penalty_indemnity"] for line in lines) if computed else None
            ),
            "penalty_rate": terms["rate"] if penalties else 0.0,
            "legal_regime": regime,
        }

    @api.model
    def _penalty_terms(self, context, scenario):
        """What the scenario's legal regime claims in the plan's company, read
        once per plan: {regime, rate (annual %), indemnity (per late invoice),
        indemnity_currency, business_only}. French B2B applies to companies
        established in France only."""
        memo = context.setdefault("penalty_terms", {})
        if scenario.id in memo:
            return memo[scenario.id]
        company = context["company"]
        regime = scenario.legal_regime or "none"
        terms = {
            "regime": "none",
            "rate": 0.0,
            "indemnity": 0.0,
            "indemnity_currency": company.currency_id,
            "business_only": True,
        }
        if regime == "french_b2b" and company._dunning_is_french():
            terms.update(
                regime=regime,
                rate=company.dunning_penalty_rate + company.dunning_penalty_points,
                indemnity=company.dunning_penalty_indemnity,
                indemnity_currency=self.env.ref("base.EUR"),
            )
        elif regime == "generic":
            terms.update(
                regime=regime,
                rate=scenario.penalty_rate,
                indemnity=scenario.penalty_indemnity,
                indemnity_currency=scenario.penalty_indemnity_currency_id
                or company.currency_id,
                business_only=scenario.penalty_business_only,
            )
        memo[scenario.id] = terms
        return terms

    @api.model
    def _penalties(self, context, terms, item, days_late, charged):
        """Interest and fixed indemnity of one item, in company currency
        (penalty_interest, penalty_indemnity) and in the item's own currency
        (penalty_interest_currency, penalty_indemnity_currency), which the
        customer reads. The fixed indemnity is due once per invoice: charged
        on its first reminded instalment, and never again once a reminder has
        charged it; it is converted from its own currency on the plan's date."""
        factor = terms["rate"] / 100.0 / 365.0 * days_late
        currency = self.env["res.currency"].browse(item["currency_id"])
        # currency.round(), its rounding read once per plan
        roundings = context.setdefault("roundings", {})
        if item["currency_id"] not in roundings:
            roundings[item["currency_id"]] = currency.rounding
        figures = {
            "penalty_interest": float_round(
                item["amount_residual"] * factor,
                precision_rounding=context["precision"],
            ),
            "penalty_interest_currency": float_round(
                item["amount_residual_currency"] * factor,
                precision_rounding=roundings[item["currency_id"]],
            ),
            "penalty_indemnity": 0.0,
            "penalty_indemnity_currency": 0.0,
        }
        if (
            terms["indemnity"]
            and not item["indemnity_charged"]
            and item["move_id"] not in charged
        ):
            charged.add(item["move_id"])
            company_currency = context["company"].currency_id
            figures["penalty_indemnity"] = self._indemnity_in(
                context, terms, company_currency
            )
            figures["penalty_indemnity_currency"] = self._indemnity_in(
                context, terms, currency
            )
        return figures

    @api.model
    def _indemnity_in(self, context, terms, currency):
        """The fixed indemnity of ``terms`` in ``currency`` on the plan's
        date, converted once per plan and currency."""
        memo = context.setdefault("indemnities", {})
        key = (
            terms["indemnity_currency"].id,
            terms["indemnity"],
            currency.id,
            context["date"],
        )
        if key not in memo:
            memo[key] = terms["indemnity_currency"]._convert(
                terms["indemnity"], currency, context["company"], context["date"]
            )
        return memo[key]

    # ------------------------------------------------------------------
    # Status of customers
    # ------------------------------------------------------------------
    @api.model
    def _next_reminders(self, company, date, items, horizon=120):
        """{partner: (date, level)} of the first reminder the plan sends on or
        after ``date``, by replanning the same selection day by day for the
        partners left."""
        result = {}
        planner = self.with_context(dunning_holidays={})
        # scenarios, levels and held-back items do not change from one
        # simulated day to the next: read them once
        base = planner._plan_context(company, date, items)
        # when and at which level only: no penalty figures
        base["penalties"] = False
        by_partner = defaultdict(list)
        for item in items["items"]:
            by_partner[item["partner_id"]].append(item)
        # a customer is replanned only from the first day its interval allows:
        # the plan refuses every day before ("interval"), and any day to a
        # customer without an active scenario
        first_day = {}
        for partner_id in by_partner:
            customer = base["customers"].get(partner_id) or {}
            scenario = base["scenarios"].get(customer.get("scenario_id"))
            if not scenario:
                continue
            dates = base["history"].get(partner_id, {}).get("dates")
            first_day[partner_id] = (
                max(date, dates[0] + timedelta(days=scenario.min_interval_days))
                if dates
                else date
            )
        for offset in range(horizon):
            if not first_day:
                break
            day = date + timedelta(days=offset)
            due = [pid for pid, first in first_day.items() if first <= day]
            if not due:
                continue
            context = dict(
                base, date=day, is_business_day=planner._is_business_day(company, day)
            )
            plan = planner._plan_in_context(
                context,
                dict(items, items=[it for pid in due for it in by_partner[pid]]),
            )
            for comm in plan["communications"]:
                result[comm["partner_id"]] = (day, comm["level"])
                first_day.pop(comm["partner_id"], None)
        return result

    # ------------------------------------------------------------------
    # Questions other parts ask the planner
    # ------------------------------------------------------------------
    @api.model
    def _recheck_reasons(self, reminders, date):
        """{reminder line id: reason} of the reminded items of ``reminders``
        that the planner would hold back on ``date`` (a ``dunning.run.log``
        reason, as the run's skips give it): the item is settled
        ("in_payment" when it is no longer open), held back by its own rule
        (``_held_back_sql``), or its customer is (``_partner_skip_reason``:
        excluded, litigation, paused, promise, an unreconciled payment or
        credit note). When the reminder goes out is not asked again: the
        business days, the interval and the amount threshold decided when
        it was made."""
        lines = reminders.line_ids.filtered("move_line_id")
        if not lines:
            return {}
        self.env.flush_all()
        reasons = {}
        for company, comms in reminders.grouped("company_id").items():
            company_lines = lines.filtered(lambda ln, c=comms: ln.communication_id in c)
            partner_ids = comms.partner_id.ids
            self.env.cr.execute(
                SQL(
                    "SELECT oi.id, %(held_back)s FROM (%(open_items)s) oi",
                    held_back=self._held_back_sql("oi", date),
                    open_items=self._open_item_sql(
                        company.ids,
                        partner_ids,
                        item_ids=company_lines.move_line_id.ids,
                    ),
                )
            )
            still_open = dict(self.env.cr.fetchall())
            context = {
                "date": date,
                "credit_partner_ids": self._select_credit_partners(
                    company, partner_ids
                ),
                # the day was the run's to choose, not the re-check's
                "is_business_day": True,
            }
            customers = self._select_customers(company, partner_ids)
            empty = self.env["dunning.scenario"]
            for line in company_lines:
                item_id = line.move_line_id.id
                partner = line.communication_id.partner_id
                reason = (
                    still_open[item_id] if item_id in still_open else "in_payment"
                ) or self._partner_skip_reason(
                    context, partner.id, customers[partner.id], empty
                )
                if reason:
                    reasons[line.id] = reason
        return reasons

    @api.model
    def _partner_lang(self, partner, company, lang=None):
        """The language ``company`` writes to ``partner`` in, the one choice
        of every reminder, letter, litigation file and customer page: the
        first active language among ``lang`` (what a reminder froze when it
        was made: its customer's, else its scenario's), the partner's, its
        commercial entity's, the company's, English; else the first active
        language (an archived or unknown language never stops a reminder)."""
        active = dict(self.env["res.lang"].get_installed())
        candidates = (
            lang,
            partner.lang,
            partner.commercial_partner_id.lang,
            company.partner_id.lang,
            "en_US",
        )
        return next((code for code in candidates if code in active), next(iter(active)))
