# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.misc import format_date

MANAGER_GROUP = "account_dunning_advanced.group_dunning_manager"
A4_WIDTH_MM = 210.0
A4_HEIGHT_MM = 297.0

# Where the recipient's address must be printed on the letter for it to show
# through the window of the envelopes a company's country uses: the address
# block's rectangle on the sheet, in mm from its top-left corner (left, top,
# width, height). Each value comes from the source cited beside it.
ENVELOPE_WINDOWS = {
    # France, La Poste: "un cadre de 3,3 cm de haut sur 8,5 cm de large [...]
    # a 5,5 cm du bord superieur de votre feuille et a 11 cm du bord gauche",
    # which leaves room above for a registered letter's bar code
    # (https://edics.fr/rediger-vos-adresses-les-bonnes-pratiques/). The same
    # 110 mm from the left as KOMA-Script's NF.lco (NF Z 11-001, by Jean-Marie
    # Pacquet, scrkernel-letterclassoptions.dtx): a 100 x 45 mm field 10 mm
    # from the right edge, address indented 10 mm, folds at 99 and 198 mm (DL
    # 110 x 220 right window). A C5 (162 x 229) right-window envelope holds
    # the sheet folded once: its top half shows the same field.
    "fr_laposte": (110.0, 55.0, 85.0, 33.0),
    # DIN 5008 form B: address field X 20 mm, Y 45 mm, 85 x 45 mm
    # (http://www.r9005.de/wissen/vorlagen-briefbogen.php); the address itself
    # below the line 62.7 mm from the top, at most 27.3 mm (6 lines), the 17.7
    # mm above being for the return address and postal notes
    # (https://www.din-5008-richtlinien.de/startseite/anschriftenfeld/). It
    # shows through the DIN 680 DL / C6-C5 window: 90 x 45 mm, 20 mm from the
    # left and 15 mm from the bottom (https://de.wiki.li/DIN_lang).
    "din_5008_b": (20.0, 62.7, 85.0, 27.3),
    # United Kingdom: DL (ISO 269, 110 x 220) left-window envelopes, window 20
    # mm from the left as DIN 680 (https://de.wiki.li/DIN_lang); the field of
    # DIN 5008 form B (X 20, Y 45, 85 x 45,
    # http://www.r9005.de/wissen/vorlagen-briefbogen.php) without its 5 mm
    # return-address line (KOMA-Script DIN.lco: backaddrheight 5 mm), as no
    # German postal notes are printed there.
    "uk_dl": (20.0, 50.0, 85.0, 40.0),
    # Switzerland, SN 010130: KOMA-Script SN.lco (by Roger Luethi,
    # scrkernel-letterclassoptions.dtx): a 90 x 45 mm field 45 mm from the
    # top, 8 mm from the right edge, its first 5 mm for the return address;
    # the SN 010130 windows are 90 x 40 mm, 17 mm from the right of C5/6 and
    # C5 envelopes (https://studylibfr.com/doc/2273411/).
    "ch_sn": (112.0, 50.0, 90.0, 40.0),
    # United States, single-window commercial envelope (4 1/2 x 1 1/8 in
    # window): KOMA-Script UScommercial9.lco (scrkernel-letterclassoptions.dtx,
    # after envelopesuperstore.com): address 0.6875 in from the left, 2.1875 in
    # from the top, 4.5 x 1.125 in, letter folded at 3.75 and 7.375 in.
    "us_commercial": (17.5, 55.6, 114.3, 28.6),
}
ENVELOPE_STANDARDS = [
    ("fr_laposte", "France: La Poste DL or C5, right window"),
    ("uk_dl", "United Kingdom: DL, left window"),
    ("us_commercial", "United States: commercial window envelope"),
    ("ch_sn", "Switzerland: SN 010130, right window"),
    ("din_5008_b", "DIN 5008 form B: DL or C5/6, left window"),
]
# the standard of the countries that have one here; DIN 5008 elsewhere
ENVELOPE_STANDARD_BY_COUNTRY = {
    # La Poste delivers France, Monaco and the overseas departments
    **dict.fromkeys(
        ("FR", "MC", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF"), "fr_laposte"
    ),
    **dict.fromkeys(("GB", "IM", "JE", "GG"), "uk_dl"),
    **dict.fromkeys(("US", "PR"), "us_commercial"),
    **dict.fromkeys(("CH", "LI"), "ch_sn"),
}


def is_assignable(user):
    """Whether dunning activities may go to ``user``: an active internal user,
    not OdooBot."""
    return bool(user) and user.active and not user.share and not user._is_superuser()


class ResCompany(models.Model):
    _inherit = "res.company"

    _sql_constraints = [
        (
            "dunning_token_validity_days_positive",
            "CHECK(dunning_token_validity_days > 0)",
            "The validity of reminder links must be at least one day.",
        ),
    ]

    dunning_scenario_id = fields.Many2one(
        "dunning.scenario",
        string="Default Dunning Scenario",
        help="Scenario of the customers with neither typology nor scenario.",
    )
    dunning_email = fields.Char(
        string="Reminder Email Address",
        help="Sender of the reminders, the same whoever the collector. Empty: "
        "the company's email address.",
    )
    dunning_penalty_rate = fields.Float(
        string="Reference Rate (%)",
        digits=(16, 3),
        default=2.15,
        help="ECB main refinancing operations rate applicable to the half-year.",
    )
    dunning_penalty_rate_date = fields.Date(
        string="Reference Rate Valid From",
        default="2025-06-11",
    )
    dunning_penalty_points = fields.Float(
        string="Added Points",
        digits=(16, 3),
        default=10.0,
        help="Points added to the reference rate (art. L.441-10: at least 10).",
    )
    dunning_penalty_indemnity = fields.Float(
        string="Fixed Recovery Indemnity",
        digits="Account",
        default=40.0,
        help="In EUR, once per late invoice (art. D.441-5: EUR 40), converted "
        "to the invoice's currency on the reminder's date.",
    )
    dunning_penalty_rate_warning = fields.Char(
        string="Reference Rate Warning",
        compute="_compute_dunning_penalty_rate_warning",
    )
    dunning_signature = fields.Text(
        string="Reminder Signature",
        help="Signs the reminders of customers who have no collector, e.g. "
        '"Credit Management Department". Empty: the company\'s name.',
        translate=True,
    )
    dunning_manager_id = fields.Many2one(
        "res.users",
        string="Dunning Manager",
        domain=[("share", "=", False)],
        help="Receives the dunning activities of the customers who have no "
        "collector, no typology collector and no salesperson; empty: the first "
        "dunning manager of the company.",
    )
    dunning_token_validity_days = fields.Integer(
        string="Reminder Link Validity (days)",
        default=90,
        help="Days during which the link of a reminder (channel preference) "
        "stays valid.",
    )
    dunning_declared_paid_days = fields.Integer(
        string="Declared Payments Held Back (days)",
        default=10,
        help="When a customer declares invoices paid from the link of a reminder, "
        "they are not reminded for this many days unless the payment is "
        "reconciled before.",
    )
    dunning_batch_size = fields.Integer(
        string="Customers per Batch",
        default=200,
        help="The scheduled run commits after each batch of this many customers.",
    )

    dunning_approval_dispatch = fields.Selection(
        [("immediate", "At once"), ("next_run", "On the next run")],
        string="Approved Reminders Go Out",
        default="immediate",
        required=True,
    )
    dunning_promise_grace_days = fields.Integer(
        string="Promise Grace Days",
        default=3,
        help="Days after a promised payment date, or an instalment date, before "
        "the promise or the plan counts as broken, when the customer's scenario "
        "has no grace days.",
    )
    dunning_payment_announced_days = fields.Integer(
        string="Payment Announced Hold (days)",
        default=10,
        help="Days an invoice whose payment was announced on the e-invoicing "
        "platform (status 211) is held back before it is reminded again, when "
        "nothing was reconciled.",
    )

    dunning_envelope_standard = fields.Selection(
        ENVELOPE_STANDARDS,
        string="Window Envelopes",
        compute="_compute_dunning_envelope_standard",
        store=True,
        readonly=False,
        help="The window envelopes the reminder letters are posted in: the "
        "recipient's address is printed where their window shows it. Set from "
        "the company's country.",
    )
    dunning_address_left = fields.Float(
        string="Address from the Left (mm)",
        digits=(16, 1),
        compute="_compute_dunning_address_box",
        store=True,
        readonly=False,
        help="Distance from the left edge of the sheet to the recipient's "
        "address, set from the window envelopes; change it if your envelopes' "
        "window lies elsewhere.",
    )
    dunning_address_top = fields.Float(
        string="Address from the Top (mm)",
        digits=(16, 1),
        compute="_compute_dunning_address_box",
        store=True,
        readonly=False,
        help="Distance from the top edge of the sheet to the recipient's "
        "address, set from the window envelopes; change it if your envelopes' "
        "window lies elsewhere.",
    )
    dunning_address_width = fields.Float(
        string="Address Width (mm)",
        digits=(16, 1),
        compute="_compute_dunning_address_box",
        store=True,
        readonly=False,
    )
    dunning_address_height = fields.Float(
        string="Address Height (mm)",
        digits=(16, 1),
        compute="_compute_dunning_address_box",
        store=True,
        readonly=False,
    )

    @api.depends("partner_id.country_id")
    def _compute_dunning_envelope_standard(self):
        for company in self:
            code = (
                company.partner_id.country_id or company.account_fiscal_country_id
            ).code
            company.dunning_envelope_standard = ENVELOPE_STANDARD_BY_COUNTRY.get(
                code, "din_5008_b"
            )

    @api.depends("dunning_envelope_standard")
    def _compute_dunning_address_box(self):
        for company in self:
            box = ENVELOPE_WINDOWS[company.dunning_envelope_standard or "din_5008_b"]
            (
                company.dunning_address_left,
                company.dunning_address_top,
                company.dunning_address_width,
                company.dunning_address_height,
            ) = box

    @api.constrains(
        "dunning_address_left",
        "dunning_address_top",
        "dunning_address_width",
        "dunning_address_height",
    )
    def _check_dunning_address_box(self):
        for company in self:
            left, top, width, height = company._dunning_address_box()
            # on the A4 sheet, in its upper half: the part a window shows
            if (
                min(left, top) < 0
                or width < 40
                or height < 20
                or left + width > A4_WIDTH_MM
                or top + height > A4_HEIGHT_MM / 2
            ):
                raise ValidationError(
                    self.env._(
                        "The address of the letters must fit in the upper half "
                        "of the sheet (%(width)s x %(height)s mm), at least 40 mm "
                        "wide and 20 mm high.",
                        width=A4_WIDTH_MM,
                        height=A4_HEIGHT_MM,
                    )
                )

    def _dunning_address_box(self):
        """(left, top, width, height) of the recipient's address on the
        letter, in mm from the sheet's top-left corner."""
        self.ensure_one()
        return (
            self.dunning_address_left,
            self.dunning_address_top,
            self.dunning_address_width,
            self.dunning_address_height,
        )

    def _dunning_letter_layout(self):
        """CSS of the letter's head: the recipient's address where the
        envelope's window shows it, the letterhead beside it, the reference
        above the letterhead.

        Every length is a percentage of the printable width: horizontal ones
        of the head's width, vertical ones of margins and paddings, which CSS
        also takes from the width. wkhtmltopdf scales CSS millimetres by a
        factor that depends on its build, dpi, zoom and shrinking, but it lays
        the body across the printable width: these lengths land on the same
        millimetres of paper whatever the build."""
        self.ensure_one()
        paperformat = self.env.ref(
            "account_dunning_advanced.action_report_dunning_letter"
        ).get_paperformat()
        left, top, width, __ = self._dunning_address_box()
        page_width = A4_WIDTH_MM
        if paperformat.format == "custom" and paperformat.page_width:
            page_width = paperformat.page_width
        printable = page_width - paperformat.margin_left - paperformat.margin_right

        def pct(mm):
            return f"{max(mm, 0.0) * 100.0 / printable:.3f}%"

        left -= paperformat.margin_left
        top -= paperformat.margin_top
        bottom = top + self.dunning_address_height
        if left > printable - (left + width):
            # a right window: the letterhead on its left
            side = f"left:0; width:{pct(left - 6.0)};"
        else:
            side = f"right:0; width:{pct(printable - left - width - 6.0)};"
        return {
            # as high as the address's bottom and 3 mm more
            "head": f"position:relative; height:0; padding-top:{pct(bottom + 3.0)};",
            "reference": "position:absolute; top:0; right:0;",
            "letterhead": f"position:absolute; top:0; margin-top:{pct(5.0)}; {side}",
            "address": (
                f"position:absolute; top:0; margin-top:{pct(top)}; "
                f"left:{pct(left)}; width:{pct(width)};"
            ),
        }

    @api.depends("dunning_penalty_rate_date")
    def _compute_dunning_penalty_rate_warning(self):
        for company in self:
            company.dunning_penalty_rate_warning = (
                company._dunning_penalty_rate_warning() or False
            )

    def _dunning_is_french(self):
        """Whether the company is established in France (L.441-10 applies)."""
        self.ensure_one()
        return (self.country_id or self.account_fiscal_country_id).code == "FR"

    def _dunning_penalty_rate_warning(self, on_date=None):
        """Why the ECB reference rate is stale on ``on_date``, or None: the
        rate of art. L.441-10 is the one in force on 1 January or 1 July of
        the half-year, so a rate valid from before the half-year's start is
        out of date."""
        self.ensure_one()
        on_date = on_date or fields.Date.context_today(self)
        start = date(on_date.year, 1 if on_date.month < 7 else 7, 1)
        valid_from = self.dunning_penalty_rate_date
        if valid_from and valid_from >= start:
            return None
        if not valid_from:
            return self.env._(
                "The ECB reference rate of the late-payment penalties has no "
                "validity date: check it is the rate in force on %(start)s.",
                start=format_date(self.env, start),
            )
        return self.env._(
            "The ECB reference rate of the late-payment penalties is valid from "
            "%(date)s, before the current half-year (%(start)s): update it with "
            "the rate in force on %(start)s.",
            date=format_date(self.env, valid_from),
            start=format_date(self.env, start),
        )

    def _dunning_fallback_user(self):
        """Last resort for dunning activities: the company's dunning manager,
        else its first active dunning manager user; never OdooBot."""
        self.ensure_one()
        if is_assignable(self.dunning_manager_id):
            return self.dunning_manager_id
        # asked once per reminder without a collector: a batch passes a memo
        # (context key dunning_fallback_users) so that it searches once
        memo = self.env.context.get("dunning_fallback_users")
        if memo is None:
            return self._dunning_search_fallback_user()
        if self.id not in memo:
            memo[self.id] = self._dunning_search_fallback_user().id
        return self.env["res.users"].browse(memo[self.id])

    def _dunning_search_fallback_user(self):
        managers = self.env["res.users"].search(
            [
                ("groups_id", "in", self.env.ref(MANAGER_GROUP).id),
                ("company_ids", "in", self.id),
                ("share", "=", False),
                ("id", "!=", self.env.ref("base.user_root").id),
            ],
            order="id",
        )
        return next((user for user in managers if is_assignable(user)), managers[:0])
