"""Parley desktop app: `desktop.core` (no Qt) and `desktop.ui` (Qt widgets on top of it)."""
