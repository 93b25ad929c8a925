"""Casework: problems, actions, partners, and the ASB powers with their legal clocks.

``clock`` counts legal time; ``rules`` loads the versioned rules table
(``data/asb_powers_2014.toml``); ``powers`` runs each power as a pure state machine.
"""

from sara.casework.clock import add_period, clock_note, period_beginning_with, period_following

__all__ = ["add_period", "clock_note", "period_beginning_with", "period_following"]
