from .spreadsheet import csv_bytes, spreadsheet_cell
