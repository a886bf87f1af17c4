# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The recipient's address of a printed letter lies where the window of the
company's envelopes shows it: measured on the PDF that wkhtmltopdf really
prints, with the position of each word (poppler's ``pdftotext -bbox``)."""

import html
import os
import re
import shutil
import subprocess
import tempfile

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, tagged

from .dunning_dispatch_common import TODAY, DunningDispatchCommon

PT_TO_MM = 25.4 / 72
# how far a glyph's box may pass the address block: pdftotext boxes a word
# from its font's ascent to its descent, taller than its letters
TOLERANCE_MM = 1.5
WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
    r"(.*?)</word>"
)


class LetterWindowMixin:
    def _require(self, *commands):
        """The letters are measured on real PDFs: without the tools, CI
        fails, a developer's machine skips."""
        missing = [command for command in commands if not shutil.which(command)]
        if missing:
            message = f"{', '.join(missing)} not found on PATH"
            if os.environ.get("CI") == "true":
                self.fail(message)
            self.skipTest(message)

    def _first_page_words(self, comm):
        """[(text, left, top, right, bottom)] of the words on the first page
        of the letter's PDF, in mm from the sheet's top-left corner."""
        self._require("wkhtmltopdf", "pdftotext")
        pdf, report_type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(
                "account_dunning_advanced.action_report_dunning_letter", comm.ids
            )
        )
        self.assertEqual(report_type, "pdf")
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "letter.pdf")
            with open(path, "wb") as file:
                file.write(pdf)
            bbox = subprocess.run(
                ["pdftotext", "-bbox", "-f", "1", "-l", "1", path, "-"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            self._keep_screenshot(path, comm)
        page = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', bbox)
        # an A4 sheet, as the paper format says
        self.assertAlmostEqual(float(page.group(1)) * PT_TO_MM, 210, delta=0.5)
        self.assertAlmostEqual(float(page.group(2)) * PT_TO_MM, 297, delta=0.5)
        return [
            (html.unescape(text), *(float(v) * PT_TO_MM for v in box))
            for *box, text in WORD.findall(bbox)
        ]

    def _keep_screenshot(self, path, comm):
        """With DUNNING_SHOTS_DIR set, the first page as a PNG, for a
        reviewer's eyes (pdftoppm, 60 dpi)."""
        shots = os.environ.get("DUNNING_SHOTS_DIR")
        if shots and shutil.which("pdftoppm"):
            company = comm.company_id
            standard = company.dunning_envelope_standard
            left, top = company.dunning_address_left, company.dunning_address_top
            name = f"letter-{standard}-{left:g}x{top:g}"
            subprocess.run(
                ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile"]
                + [path, os.path.join(shots, name)],
                check=True,
            )

    def _line_boxes(self, words, line):
        """Boxes (left, top, right, bottom) of each place where the words of
        ``line`` follow each other on one text line."""
        expected = line.split()
        boxes = []
        for start in range(len(words) - len(expected) + 1):
            found = words[start : start + len(expected)]
            if [word[0] for word in found] != expected:
                continue
            if max(w[2] for w in found) - min(w[2] for w in found) > 1:
                continue  # not on one line
            boxes.append(
                (
                    min(w[1] for w in found),
                    min(w[2] for w in found),
                    max(w[3] for w in found),
                    max(w[4] for w in found),
                )
            )
        return boxes

    def _assert_in_window(self, comm, lines, window):
        """Each of ``lines`` of the recipient's address is printed once in
        the ``window`` (left, top, width, height in mm), in order."""
        left, top, width, height = window
        words = self._first_page_words(comm)
        lefts, tops = [], []
        for line in lines:
            boxes = self._line_boxes(words, line)
            self.assertTrue(boxes, f"{line!r} is not on the first page")
            inside = [
                box
                for box in boxes
                if box[0] >= left - TOLERANCE_MM
                and box[1] >= top - TOLERANCE_MM
                and box[2] <= left + width + TOLERANCE_MM
                and box[3] <= top + height + TOLERANCE_MM
            ]
            self.assertEqual(
                len(inside),
                1,
                f"{line!r} printed at {boxes} (mm), not once inside the window "
                f"{window}",
            )
            lefts.append(inside[0][0])
            tops.append(inside[0][1])
        self.assertEqual(tops, sorted(tops), "the address lines in order")
        # aligned on the block's top-left corner, not merely inside it
        self.assertAlmostEqual(min(lefts), left, delta=TOLERANCE_MM)
        self.assertAlmostEqual(tops[0], top, delta=TOLERANCE_MM)
        return words


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestDunningLetterWindow(LetterWindowMixin, DunningDispatchCommon):
    """Rendered as in tests and on a server that wkhtmltopdf cannot reach:
    without the report's stylesheets."""

    def test_french_company_la_poste_window(self):
        self.assertRecordValues(
            self.company,
            [
                {
                    "dunning_envelope_standard": "fr_laposte",
                    "dunning_address_left": 110.0,
                    "dunning_address_top": 55.0,
                    "dunning_address_width": 85.0,
                    "dunning_address_height": 33.0,
                }
            ],
        )
        comm = self._communication(
            self.customer_fr, "formal", channel_email=False, channel_letter=True
        )
        words = self._assert_in_window(
            comm,
            ["Dupont SARL", "5 avenue Foch", "75016 Paris"],
            (110.0, 55.0, 85.0, 33.0),
        )
        # the letterhead stays on the left of the window, above the text
        (letterhead,) = (
            box for box in self._line_boxes(words, "12 rue de la Paix") if box[1] < 55
        )
        self.assertLess(letterhead[2], 110.0)

    def test_uk_company_dl_left_window(self):
        self.company.partner_id.country_id = self.env.ref("base.uk")
        self.assertRecordValues(
            self.company,
            [
                {
                    "dunning_envelope_standard": "uk_dl",
                    "dunning_address_left": 20.0,
                    "dunning_address_top": 50.0,
                }
            ],
        )
        comm = self._communication(
            self.customer_en, "friendly", channel_email=False, channel_letter=True
        )
        words = self._assert_in_window(
            comm, ["Smith Ltd", "London", "SW1A 1AA"], (20.0, 50.0, 85.0, 40.0)
        )
        # the letterhead moves to the right of a left window
        (letterhead,) = (
            box for box in self._line_boxes(words, "12 rue de la Paix") if box[1] < 50
        )
        self.assertGreater(letterhead[0], 105.0)

    def test_position_edited_for_other_envelopes(self):
        self.company.write({"dunning_address_left": 100.0, "dunning_address_top": 62.0})
        self.assertEqual(self.company.dunning_envelope_standard, "fr_laposte")
        comm = self._communication(
            self.customer_fr, "formal", channel_email=False, channel_letter=True
        )
        self._assert_in_window(
            comm,
            ["Dupont SARL", "5 avenue Foch", "75016 Paris"],
            (100.0, 62.0, 85.0, 33.0),
        )

    def test_standard_follows_the_country_and_bounds(self):
        self.company.partner_id.country_id = self.env.ref("base.us")
        self.assertRecordValues(
            self.company,
            [
                {
                    "dunning_envelope_standard": "us_commercial",
                    "dunning_address_left": 17.5,
                    "dunning_address_top": 55.6,
                }
            ],
        )
        self.company.partner_id.country_id = self.env.ref("base.de")
        self.assertEqual(self.company.dunning_envelope_standard, "din_5008_b")
        # a window shows the upper part of the folded sheet only
        with self.assertRaises(ValidationError):
            self.company.dunning_address_top = 130.0
        with self.assertRaises(ValidationError):
            self.company.dunning_address_left = 150.0


@tagged("post_install", "-at_install")
class TestDunningLetterWindowStyled(LetterWindowMixin, DunningDispatchCommon, HttpCase):
    """Rendered as in production: wkhtmltopdf fetches the report's
    stylesheets (bootstrap's container gutter among them) from the server,
    here the test server that HttpCase sets as the base URL."""

    def test_french_company_la_poste_window_with_stylesheets(self):
        with freeze_time(TODAY):
            comm = self._communication(
                self.customer_fr, "formal", channel_email=False, channel_letter=True
            )
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "account_dunning_advanced.action_report_dunning_letter", comm.ids
            )[0]
            .decode()
        )
        stylesheets = re.findall(r'<link[^>]+href="([^"]+\.css)"', html)
        self.assertTrue(stylesheets)
        for stylesheet in stylesheets:
            self.assertEqual(self.url_open(stylesheet).status_code, 200)
        self._assert_in_window(
            comm,
            ["Dupont SARL", "5 avenue Foch", "75016 Paris"],
            (110.0, 55.0, 85.0, 33.0),
        )
