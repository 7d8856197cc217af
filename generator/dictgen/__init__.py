"""grabticket-dictgen: pinned Juhe grabTicket data dictionary -> generated constants."""

__version__ = "0.2.0"
