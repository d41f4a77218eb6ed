"""The domain: plain functions taking a Session and keyword-only arguments.

Each function applies the ledger's rules and raises a named error from
:mod:`zoufang.errors`; none prints, none commits (the caller's session scope is the one
transaction of the command).
"""
