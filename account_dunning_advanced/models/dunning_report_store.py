# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, models
from odoo.tools import SQL


class DunningReportStore(models.AbstractModel):
    """Rows of an analysis view stored per customer and company, kept exact
    by the worklist's marks.

    Aggregating every open item or reminder of a company per read_group took
    seconds at 50,000 customers. A report inheriting this mixin defines its
    rows once, in :meth:`_store_sql` (the one definition of its figures, for
    some customers or all); their result is kept in the table
    ``_store_table``, made from that query at install and upgrade. What
    changes a customer's figures marks it (``dunning.worklist._touch``, the
    ``dunning.worklist.touch`` mixin): when the worklist computes the rows of
    the marked customers (before the transaction reads the worklist or a
    report, and before it commits), it replaces their stored report rows too
    (:meth:`_store_refresh`), in the same savepoint as their worklist rows,
    whose upsert makes two transactions computing the same customer conflict
    rather than lose a change.

    Only the customers' marks recompute stored rows: a stored row never
    depends on the day (a report computes what does, such as an age, when it
    reads the rows) nor on what a whole-company mark changes (risk scores)."""

    _name = "dunning.report.store"
    _description = "Dunning Report Stored Rows"

    # the table of the stored rows (set by the report)
    _store_table = None
    # the marks (``dunning.worklist._touch``'s sources: models, or finer names)
    # of changes the rows do not read: a customer marked only by them keeps
    # its rows. Marks whose source is unknown always count.
    _store_ignored_sources = ()

    @api.model
    def _store_sql(self, company_ids=None, partner_ids=None):
        """SELECT of the rows of the commercial entities ``partner_ids`` (ids)
        in ``company_ids`` (ids); None: every one. Columns: ``id`` (unique),
        ``partner_id`` (the commercial entity) and ``company_id``, never NULL,
        then the report's own. The filters reach every sub-query, so that
        computing a few customers reads only their data."""
        raise NotImplementedError

    @api.model
    def _store_indexes(self):
        """Column lists indexed besides the id, (partner_id, company_id) and
        company_id."""
        return []

    @api.model
    def _store_models(self):
        """The reports keeping stored rows (models with a table)."""
        children = self.env.registry[self._name]._inherit_children
        return [
            self.env[name]
            for name in children
            if not self.env[name]._abstract and self.env[name]._store_table
        ]

    # ------------------------------------------------------------------
    # Table
    # ------------------------------------------------------------------
    def init(self):
        if self._abstract or not self._store_table:
            return
        # the query reads tables of models initialised after this one
        self.pool.post_init(self._store_create)

    def _store_create(self):
        """(Re)create the table from the query, with its columns (an upgrade
        may change them), and fill it."""
        cr = self.env.cr
        table = SQL.identifier(self._store_table)
        cr.execute(SQL("DROP TABLE IF EXISTS %s", table))
        self.env["dunning.planner"]._screen_without_jit()
        self.env.flush_all()
        cr.execute(
            SQL(
                """
                CREATE TABLE %(table)s AS %(rows)s;
                ALTER TABLE %(table)s
                    ADD PRIMARY KEY (id),
                    ALTER COLUMN partner_id SET NOT NULL,
                    ALTER COLUMN company_id SET NOT NULL;
                CREATE INDEX ON %(table)s (partner_id, company_id);
                CREATE INDEX ON %(table)s (company_id);
                """,
                table=table,
                rows=self._store_sql(),
            )
        )
        for columns in self._store_indexes():
            cr.execute(
                SQL(
                    "CREATE INDEX ON %s (%s)",
                    table,
                    SQL(", ").join(SQL.identifier(c) for c in columns),
                )
            )
        cr.execute(SQL("ANALYZE %s", table))

    def _store_columns(self):
        """The table's columns; none when it does not exist."""
        self.env.cr.execute(
            """
            SELECT attname FROM pg_attribute
             WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped
             ORDER BY attnum
            """,
            [self._store_table],
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _store_refresh(self, company_ids, partner_ids):
        """Replace the rows of ``partner_ids`` in ``company_ids`` with the
        query's (called by ``dunning.worklist._refresh``)."""
        names = self._store_columns()
        if not names:
            # being installed (created after the worklist) or uninstalled
            return
        columns = SQL(", ").join(SQL.identifier(c) for c in names)
        self.env.cr.execute(
            SQL(
                """
                DELETE FROM %(table)s
                 WHERE company_id = ANY(%(company_ids)s)
                   AND partner_id = ANY(%(partner_ids)s);
                INSERT INTO %(table)s (%(columns)s)
                SELECT %(columns)s FROM (%(rows)s) r;
                """,
                table=SQL.identifier(self._store_table),
                company_ids=list(company_ids),
                partner_ids=list(partner_ids),
                columns=columns,
                rows=self._store_sql(company_ids, partner_ids),
            )
        )

    # ------------------------------------------------------------------
    # Reading
    # ------------------------------------------------------------------
    def _store_rows(self):
        """What a report puts in FROM: its rows, up to date for this
        transaction (the worklist first computes what this transaction and
        others marked), or its live query for a reader whose day is the one
        before the worklist's."""
        self.env["dunning.planner"]._screen_without_jit()
        if self.env["dunning.worklist"]._prepare_rows() is None:
            return self._store_sql()
        return SQL("SELECT * FROM %s", SQL.identifier(self._store_table))

    def _store_diff(self):
        """The rows of the table that are not the live query's, and the live
        query's that are not in the table (for tests): [] when in sync."""
        self._store_rows()
        columns = SQL(", ").join(SQL.identifier(c) for c in self._store_columns())
        self.env.cr.execute(
            SQL(
                """
                (SELECT 'stored' AS side, %(columns)s FROM %(table)s
                 EXCEPT ALL SELECT 'stored', %(columns)s FROM (%(rows)s) r)
                UNION ALL
                (SELECT 'live', %(columns)s FROM (%(rows)s) r
                 EXCEPT ALL SELECT 'live', %(columns)s FROM %(table)s)
                """,
                columns=columns,
                table=SQL.identifier(self._store_table),
                rows=self._store_sql(),
            )
        )
        return self.env.cr.fetchall()
