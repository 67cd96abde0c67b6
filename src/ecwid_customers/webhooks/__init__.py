"""Webhook delivery: the dispatcher that takes queued deliveries from storage's outbox and
posts them as Ecwid does (``sender.py``), on Ecwid's retry schedule."""
