# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
import time
from collections import defaultdict
from datetime import timedelta

import psycopg2

from odoo import api, fields, models
from odoo.tools import SQL

from .dunning_run import can_commit, cron_deadline
from .dunning_score_queue import RESCORE_CRON

_logger = logging.getLogger(__name__)

# customers rescored per slice (one transaction) of the rescoring action
RESCORE_BATCH = 1000
RESCORE_BATCH_PARAM = "account_dunning_advanced.rescore_batch_size"
# a slice rolled back by concurrent changes is tried again this many times
MAX_SLICE_ATTEMPTS = 3


class DunningPartnerScore(models.Model):
    """Payment behaviour of one customer in one company over the last 12 months.

    Kept in its own table rather than in company-dependent fields of the
    partner so that customers are rescored in set-based upserts. One action
    writes them, the rescoring of queued customers (``dunning.score.queue``):
    the weekly action and reconciliations only queue customers.

    Risk score (0 = no risk, 100 = worst), the sum of six capped terms, each
    non-decreasing in its figure, so the score stays within 0..100 and worse
    behaviour never lowers it:

    * lateness    35 x min(average days late, 60) / 60
    * late share  20 x share of instalments paid late (0..1)
    * reminders   10 x min(average reminders before payment, 3) / 3
    * promises    10 x min(promises broken in 12 months, 3) / 3
    * overdue     15 x min(overdue / (12-month revenue / 12), 2) / 2, i.e. two
      months of average sales overdue gives the full 15 points (any overdue
      amount without revenue in the last 12 months gives them too)
    * disputes    10 x min(open disputed invoices, 2) / 2

    rounded to the nearest integer. A customer with no history scores 0.

    Figures: an instalment (payment-term line of a posted customer invoice) is
    "paid" when fully reconciled; its payment date is the latest ``max_date``
    of its partial reconciliations; it counts when paid in the last 365 days.
    Days late = max(payment date - due date, 0). Average days late is weighted
    by the instalment amount; the share paid late counts instalments; the
    reminders before payment are the sent reminders of the instalment dated
    on or before its payment date. Overdue: residual of instalments due before
    today. Revenue: customer invoices minus credit notes dated in the last
    365 days, tax included, company currency.
    """

    _name = "dunning.partner.score"
    _description = "Customer Payment Behaviour"
    _order = "risk_score desc, id"
    _rec_name = "partner_id"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(string="Computed On", readonly=True)
    avg_days_late = fields.Float(
        string="Average Days Late",
        digits=(16, 1),
        aggregator="avg",
        help="Amount-weighted over the instalments paid in the last 12 months.",
    )
    late_share = fields.Float(
        string="Paid Late (%)",
        digits=(16, 1),
        aggregator="avg",
        help="Share of the instalments paid in the last 12 months that were "
        "paid after their due date.",
    )
    avg_reminders = fields.Float(
        string="Reminders Before Payment",
        digits=(16, 2),
        aggregator="avg",
        help="Average number of sent reminders an instalment needed before "
        "being paid.",
    )
    promises_broken = fields.Integer(
        help="Promises to pay broken in the last 12 months."
    )
    overdue_amount = fields.Monetary(string="Overdue", currency_field="currency_id")
    open_disputes = fields.Integer(help="Open invoices under dispute.")
    revenue_12m = fields.Monetary(
        string="12-Month Revenue",
        currency_field="currency_id",
        help="Invoiced minus credited in the last 12 months, tax included.",
    )
    paid_count = fields.Integer(
        string="Paid Instalments", help="Instalments paid in the last 12 months."
    )
    risk_score = fields.Integer(aggregator="avg")

    _sql_constraints = [
        (
            "partner_company_uniq",
            "unique(partner_id, company_id)",
            "A customer has one payment behaviour per company.",
        ),
    ]

    def init(self):
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS dunning_aml_receivable_item_idx
            ON account_move_line (company_id, partner_id)
            WHERE display_type = 'payment_term' AND parent_state = 'posted'
            """
        )

    @api.model
    def _cron_recompute(self):
        """Weekly: queue every customer for rescoring and reclassification.

        Only the rescoring action writes scores: run at the same time as it
        (another cron worker), this one must neither delete the rows it is
        processing nor write the scores it writes (serialization failures,
        or scores of an older snapshot overwriting fresher ones)."""
        queued = self.env["dunning.score.queue"]._enqueue_all()
        self.env["ir.cron"]._notify_progress(done=queued, remaining=0)

    @api.model
    def _cron_rescore_queued(self):
        """Rescore queued customers, in committed slices, until none is left
        or the time budget is spent; Odoo's runner calls it again while
        customers are left (``ir.cron._notify_progress``)."""
        deadline = cron_deadline(self.env)
        size = max(
            int(
                self.env["ir.config_parameter"].get_param(
                    RESCORE_BATCH_PARAM, RESCORE_BATCH
                )
            ),
            1,
        )
        done = 0
        while True:
            scored = self._rescore_slice(size)
            done += scored
            if not scored or time.monotonic() >= deadline:
                break
        queue = self.env["dunning.score.queue"]
        remaining = queue._pending_count()
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        if remaining and not done:
            # all held by another worker: should it stop, try again later
            cron = self.env.ref(RESCORE_CRON, raise_if_not_found=False)
            if cron:
                cron._trigger(fields.Datetime.now() + timedelta(minutes=1))

    @api.model
    def _rescore_slice(self, size):
        """Claim up to ``size`` queued customers, rescore them, reclassify
        those the weekly action queued, remove their rows: one transaction,
        committed. Returns the number of customers rescored. A slice that
        meets a concurrent change (serialization failure) is rolled back and
        tried again on a fresh snapshot."""
        for attempt in range(1, MAX_SLICE_ATTEMPTS + 1):
            # a fresh snapshot, so that what is claimed below is read as
            # committed by the time it is claimed
            self._commit()
            try:
                return self._score_claimed(size)
            except psycopg2.extensions.TransactionRollbackError:
                if not can_commit(self.env):
                    raise
                self.env.cr.rollback()
                _logger.info(
                    "Rescoring slice met a concurrent change (attempt %s)", attempt
                )
        _logger.warning("Rescoring slice given up after %s attempts", attempt)
        return 0

    @api.model
    def _score_claimed(self, size):
        queue = self.env["dunning.score.queue"]
        claimed, row_ids = queue._claim(size)
        by_company = defaultdict(list)
        for (partner_id, company_id), reclassify in claimed.items():
            by_company[company_id].append((partner_id, reclassify))
        Company = self.env["res.company"]
        for company_id, customers in sorted(by_company.items()):
            company = Company.browse(company_id)
            self._recompute(company, [partner_id for partner_id, __ in customers])
            reclassify = [partner_id for partner_id, again in customers if again]
            if reclassify:
                self.env["dunning.typology.rule"]._apply_rules(company, reclassify)
        queue._remove(row_ids)
        self._commit()
        return len(claimed)

    @api.model
    def _commit(self):
        if can_commit(self.env):
            self.env.cr.commit()  # pylint: disable=invalid-commit

    @api.model
    def _recompute(self, company, partner_ids=None):
        """Upsert the scores of ``company``, of all its customers or of the
        commercial partners ``partner_ids``, in one statement."""
        today = fields.Date.context_today(self)
        self.env.flush_all()
        # a conflict with a concurrent transaction is the caller's to handle
        self.env.cr.execute(
            self._score_upsert_query(company, today, partner_ids),
            log_exceptions=False,
        )
        self.invalidate_model()
        self.env["res.partner"].invalidate_model(self._partner_score_fields())
        if partner_ids is None:
            self.env["dunning.worklist"]._touch_company([company.id])
        else:
            self.env["dunning.worklist"]._touch(partner_ids, [company.id], self._name)

    @api.model
    def _partner_score_fields(self):
        return [
            name
            for name, field in self.env["res.partner"]._fields.items()
            if field.compute == "_compute_dunning_score"
        ]

    def _score_upsert_query(self, company, today, partner_ids):
        planner = self.env["dunning.planner"]
        restrict = restrict_move = SQL("TRUE")
        if partner_ids is not None:
            ids = list(partner_ids) or [0]
            restrict = SQL("p.commercial_partner_id = ANY(%s)", ids)
            restrict_move = SQL("am.commercial_partner_id = ANY(%s)", ids)
        return SQL(
            """
            WITH items AS (
                SELECT aml.id, p.commercial_partner_id AS partner_id, aml.balance,
                       aml.amount_residual, aml.date_maturity, aml.reconciled
                  FROM account_move_line aml
                  JOIN account_move am ON am.id = aml.move_id
                  JOIN res_partner p ON p.id = aml.partner_id
                 WHERE aml.company_id = %(company)s
                   AND aml.display_type = 'payment_term'
                   AND aml.parent_state = 'posted'
                   AND am.move_type = 'out_invoice'
                   AND aml.balance > 0
                   AND %(restrict)s
            ),
            paid AS (
                SELECT i.id, i.partner_id, i.balance, pay.paid_date,
                       GREATEST(pay.paid_date - i.date_maturity, 0) AS days_late
                  FROM items i
                  JOIN LATERAL (
                      SELECT MAX(apr.max_date) AS paid_date
                        FROM account_partial_reconcile apr
                       WHERE apr.debit_move_id = i.id
                  ) pay ON TRUE
                 WHERE i.reconciled
                   AND pay.paid_date > %(date_from)s AND pay.paid_date <= %(today)s
            ),
            reminders AS (
                SELECT pd.id, COUNT(*) AS n
                  FROM paid pd
                  JOIN (%(reminded_items)s) ri ON ri.move_line_id = pd.id
                  JOIN dunning_communication dc ON dc.id = ri.communication_id
                 WHERE dc.state = 'sent' AND dc.date <= pd.paid_date
                 GROUP BY pd.id
            ),
            paid_stats AS (
                SELECT pd.partner_id,
                       SUM(pd.balance * pd.days_late) / NULLIF(SUM(pd.balance), 0)
                           AS avg_days_late,
                       100.0 * COUNT(*) FILTER (WHERE pd.days_late > 0) / COUNT(*)
                           AS late_share,
                       SUM(COALESCE(r.n, 0))::numeric / COUNT(*) AS avg_reminders,
                       COUNT(*) AS paid_count
                  FROM paid pd
                  LEFT JOIN reminders r ON r.id = pd.id
                 GROUP BY pd.partner_id
            ),
            overdue AS (
                SELECT item.partner_id, SUM(item.amount_residual) AS overdue_amount
                  FROM (%(overdue_items)s) item
                 GROUP BY item.partner_id
            ),
            revenue AS (
                SELECT am.commercial_partner_id AS partner_id,
                       SUM(am.amount_total_signed) AS revenue_12m
                  FROM account_move am
                 WHERE am.company_id = %(company)s AND am.state = 'posted'
                   AND am.move_type IN ('out_invoice', 'out_refund')
                   AND am.invoice_date > %(date_from)s
                   AND am.invoice_date <= %(today)s
                   AND %(restrict_move)s
                 GROUP BY am.commercial_partner_id
            ),
            disputes AS (
                SELECT am.commercial_partner_id AS partner_id, COUNT(*) AS n
                  FROM account_move am
                 WHERE am.company_id = %(company)s AND am.state = 'posted'
                   AND %(disputed)s
                   AND am.payment_state IN ('not_paid', 'partial')
                   AND %(restrict_move)s
                 GROUP BY am.commercial_partner_id
            ),
            promises AS (%(promises)s),
            partners AS (
                SELECT partner_id FROM paid_stats
                 UNION SELECT partner_id FROM overdue
                 UNION SELECT partner_id FROM revenue
                 UNION SELECT partner_id FROM disputes
                 UNION SELECT partner_id FROM promises
                 UNION SELECT s.partner_id
                         FROM dunning_partner_score s
                         JOIN res_partner p ON p.id = s.partner_id
                        WHERE s.company_id = %(company)s AND %(restrict)s
            ),
            figures AS (
                SELECT pa.partner_id,
                       COALESCE(ps.avg_days_late, 0) AS avg_days_late,
                       COALESCE(ps.late_share, 0) AS late_share,
                       COALESCE(ps.avg_reminders, 0) AS avg_reminders,
                       COALESCE(ps.paid_count, 0) AS paid_count,
                       COALESCE(pr.n, 0) AS promises_broken,
                       COALESCE(od.overdue_amount, 0) AS overdue_amount,
                       COALESCE(di.n, 0) AS open_disputes,
                       COALESCE(rv.revenue_12m, 0) AS revenue_12m
                  FROM partners pa
                  LEFT JOIN paid_stats ps ON ps.partner_id = pa.partner_id
                  LEFT JOIN overdue od ON od.partner_id = pa.partner_id
                  LEFT JOIN revenue rv ON rv.partner_id = pa.partner_id
                  LEFT JOIN disputes di ON di.partner_id = pa.partner_id
                  LEFT JOIN promises pr ON pr.partner_id = pa.partner_id
            )
            INSERT INTO dunning_partner_score (
                partner_id, company_id, date, avg_days_late, late_share,
                avg_reminders, paid_count, promises_broken, overdue_amount,
                open_disputes, revenue_12m, risk_score,
                create_uid, create_date, write_uid, write_date)
            SELECT f.partner_id, %(company)s, %(today)s, f.avg_days_late,
                   f.late_share, f.avg_reminders, f.paid_count, f.promises_broken,
                   f.overdue_amount, f.open_disputes, f.revenue_12m,
                   ROUND(
                       35 * LEAST(f.avg_days_late, 60) / 60.0
                     + 20 * f.late_share / 100.0
                     + 10 * LEAST(f.avg_reminders, 3) / 3.0
                     + 10 * LEAST(f.promises_broken, 3) / 3.0
                     + 15 * CASE
                           WHEN f.overdue_amount <= 0 THEN 0
                           WHEN f.revenue_12m <= 0 THEN 1
                           ELSE LEAST(f.overdue_amount * 12 / f.revenue_12m, 2) / 2
                       END
                     + 10 * LEAST(f.open_disputes, 2) / 2.0
                   ),
                   %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
              FROM figures f
            ON CONFLICT (partner_id, company_id) DO UPDATE SET
                date = EXCLUDED.date,
                avg_days_late = EXCLUDED.avg_days_late,
                late_share = EXCLUDED.late_share,
                avg_reminders = EXCLUDED.avg_reminders,
                paid_count = EXCLUDED.paid_count,
                promises_broken = EXCLUDED.promises_broken,
                overdue_amount = EXCLUDED.overdue_amount,
                open_disputes = EXCLUDED.open_disputes,
                revenue_12m = EXCLUDED.revenue_12m,
                risk_score = EXCLUDED.risk_score,
                write_uid = EXCLUDED.write_uid,
                write_date = EXCLUDED.write_date
            """,
            company=company.id,
            today=today,
            date_from=today - timedelta(days=365),
            restrict=restrict,
            restrict_move=restrict_move,
            overdue_items=planner._overdue_item_sql(today, [company.id], partner_ids),
            reminded_items=planner._reminded_item_sql(),
            disputed=planner._disputed_sql(SQL("am.id")),
            promises=self._broken_promises_query(company, today, restrict),
            uid=self.env.uid,
        )

    def _broken_promises_query(self, company, today, restrict):
        return SQL(
            """
            SELECT p.commercial_partner_id AS partner_id, COUNT(*) AS n
              FROM dunning_promise dp
              JOIN res_partner p ON p.id = dp.partner_id
             WHERE dp.company_id = %(company)s AND dp.state = 'broken'
               AND dp.date > %(date_from)s AND dp.date <= %(today)s
               AND %(restrict)s
             GROUP BY p.commercial_partner_id
            """,
            company=company.id,
            today=today,
            date_from=today - timedelta(days=365),
            restrict=restrict,
        )
