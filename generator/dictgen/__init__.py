"""grabticket-dictgen: pinned Juhe grabTicket data dictionary -> generated constants."""

__version__ = "0.1.0"
