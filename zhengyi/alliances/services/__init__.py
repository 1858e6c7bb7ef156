"""Every write to the alliances' tables: one transaction each, with its change record."""
