"""The test kit: the control plane under ``/_control/`` and the per-store state it drives.

Not part of Ecwid's API. Ecwid app developers use it to make throwaway stores, load and dump
fixtures, freeze a store's clock, inject faults and read what their app sent. It lives in one
server process's memory (the journal, faults and clocks), which is why ``serve`` turns it off
when it runs several workers.
"""
