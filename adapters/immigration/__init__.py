"""USCIS (immigration) reference adapter: receipt numbers, case status titles, histories."""
