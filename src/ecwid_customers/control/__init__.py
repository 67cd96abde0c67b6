"""The test kit: the control plane under ``/_control/`` and the per-store state it drives.

Not part of Ecwid's API. Ecwid app developers use it to make throwaway stores, load and dump
fixtures, freeze a store's clock, inject faults and read what their app sent. It lives in one
server process's memory (the journal, faults and clocks), which is why ``serve`` turns it off
when it runs several workers.
"""

# What the app answers uvicorn when a fault rule dropped the connection on purpose; the
# server's log filter (which must not import the kit) leaves such "errors" out.
DROPPED = "ecwid-customers: connection dropped by a fault rule"
