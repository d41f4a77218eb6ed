"""zoufang (走访): a command-line ledger for household visiting and hardship-support work."""

__version__ = "0.1.0"
