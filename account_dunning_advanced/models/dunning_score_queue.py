# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL

RESCORE_CRON = "account_dunning_advanced.ir_cron_dunning_rescore"


class DunningScoreQueue(models.Model):
    """Customers whose score is to be recomputed in a company.

    Rows are only ever inserted, never updated: a reconciliation adds one for
    its customers, the weekly action one for every customer (``reclassify``:
    the typology rules follow). The rescoring action, the one writer of the
    scores, claims customers and deletes the rows it saw. A customer may be
    queued several times; it is rescored once for all the rows it has when
    claimed. A row added while the customer is being rescored is not seen by
    that rescoring and waits for the next one: no queued change is lost, and
    queueing never waits for a rescoring (no unique key to collide on)."""

    _name = "dunning.score.queue"
    _description = "Customer To Rescore"
    _order = "id"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")
    reclassify = fields.Boolean(
        help="Queued by the weekly scoring: the typology rules are applied to "
        "the customer once rescored."
    )

    def init(self):
        # the claim looks for each customer's oldest row
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS dunning_score_queue_customer_idx
            ON dunning_score_queue (partner_id, company_id, id)
            """
        )

    @api.model
    def _enqueue(self, lines):
        """Queue the commercial partners of the receivable ``lines`` for
        rescoring in their company, and wake the rescoring action up."""
        lines = lines.filtered(
            lambda line: line.account_type == "asset_receivable" and line.partner_id
        )
        pairs = {
            (line.partner_id.commercial_partner_id.id, line.company_id.id)
            for line in lines
        }
        if not pairs:
            return self
        # any accounting user's entries queue their customers for the
        # rescoring job: the queue is the job's, not the user's
        queued = self.sudo().create(
            [
                {"partner_id": partner_id, "company_id": company_id}
                for partner_id, company_id in sorted(pairs)
            ]
        )
        self._trigger_rescoring()
        return queued

    @api.model
    def _enqueue_all(self):
        """Queue, in one statement, every active customer with receivables in
        a company (posted receivable lines) or already scored there, to be
        rescored and reclassified; those already queued by an earlier weekly
        call are not queued twice. Returns the number of rows added."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO dunning_score_queue (
                    partner_id, company_id, reclassify,
                    create_uid, create_date, write_uid, write_date)
                SELECT c.partner_id, c.company_id, TRUE,
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM (
                      SELECT DISTINCT p.commercial_partner_id AS partner_id,
                             aml.company_id
                        FROM account_move_line aml
                        JOIN account_account acc ON acc.id = aml.account_id
                        JOIN res_partner p ON p.id = aml.partner_id
                       WHERE aml.parent_state = 'posted'
                         AND acc.account_type = 'asset_receivable'
                       UNION
                      SELECT s.partner_id, s.company_id FROM dunning_partner_score s
                  ) c
                  JOIN res_partner cp ON cp.id = c.partner_id
                 WHERE cp.active
                   AND NOT EXISTS (
                       SELECT 1 FROM dunning_score_queue q
                        WHERE q.partner_id = c.partner_id
                          AND q.company_id = c.company_id AND q.reclassify)
                 ORDER BY c.company_id, c.partner_id
                """,
                uid=self.env.uid,
                now=self.env.cr.now(),
            )
        )
        added = self.env.cr.rowcount
        self.invalidate_model()
        if added:
            self._trigger_rescoring()
        return added

    @api.model
    def _trigger_rescoring(self):
        cron = self.env.ref(RESCORE_CRON, raise_if_not_found=False)
        if cron:
            cron._trigger()

    @api.model
    def _claim(self, size):
        """Up to ``size`` queued customers that this transaction now owns:
        {(partner id, company id): reclassify}, and the ids of their rows,
        locked, to delete once they are rescored.

        A customer is claimed through its oldest row (``SKIP LOCKED``), so two
        workers never claim the same customer; then its other rows are
        locked. If one of them is held already, another worker claimed the
        customer through it (a row committed late, older than the ones it
        saw): the customer is left to that worker and stays queued."""
        cr = self.env.cr
        self.flush_model()
        cr.execute(
            SQL(
                """
                SELECT q.id FROM dunning_score_queue q
                 WHERE NOT EXISTS (
                       SELECT 1 FROM dunning_score_queue o
                        WHERE o.partner_id = q.partner_id
                          AND o.company_id = q.company_id AND o.id < q.id)
                 ORDER BY q.id
                 LIMIT %s
                   FOR UPDATE OF q SKIP LOCKED
                """,
                size,
            ),
            log_exceptions=False,
        )
        heads = [row[0] for row in cr.fetchall()]
        if not heads:
            return {}, []
        customers = SQL(
            """(q.partner_id, q.company_id) IN (
                SELECT h.partner_id, h.company_id FROM dunning_score_queue h
                 WHERE h.id = ANY(%s))""",
            heads,
        )
        cr.execute(
            SQL(
                "SELECT q.id FROM dunning_score_queue q WHERE %s "
                "FOR UPDATE OF q SKIP LOCKED",
                customers,
            ),
            log_exceptions=False,
        )
        locked = {row[0] for row in cr.fetchall()}
        cr.execute(
            SQL(
                "SELECT q.id, q.partner_id, q.company_id, q.reclassify "
                "FROM dunning_score_queue q WHERE %s",
                customers,
            )
        )
        rows = defaultdict(list)
        for row_id, partner_id, company_id, reclassify in cr.fetchall():
            rows[partner_id, company_id].append((row_id, reclassify))
        claimed, row_ids = {}, []
        for customer, customer_rows in rows.items():
            ids = [row_id for row_id, __ in customer_rows]
            if locked.issuperset(ids):
                claimed[customer] = any(r for __, r in customer_rows)
                row_ids += ids
        return claimed, row_ids

    @api.model
    def _remove(self, row_ids):
        if row_ids:
            self.env.cr.execute(
                SQL("DELETE FROM dunning_score_queue WHERE id = ANY(%s)", row_ids),
                log_exceptions=False,
            )
            self.invalidate_model()

    @api.model
    def _pending_count(self):
        """Customers left to rescore (each company counted apart)."""
        self.flush_model()
        self.env.cr.execute(
            "SELECT COUNT(*) FROM "
            "(SELECT DISTINCT partner_id, company_id FROM dunning_score_queue) q"
        )
        return self.env.cr.fetchone()[0]
