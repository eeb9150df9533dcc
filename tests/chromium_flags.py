"""How the browser tests start Debian's chromium here (importable as ``chromium_flags``).

The machine's network is closed: without these flags chromium keeps trying to
reach Google's services, and its refused connections slow every start.
"""

QUIET_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
"""Flags for every start of chromium in the tests (Playwright adds ``--headless`` itself)."""
