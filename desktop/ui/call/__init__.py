"""Calls in the window: the Call button, the ringing prompt, the join banner, the call window.

QtWebEngine is imported by `desktop.ui.call.window` only, and that module only when a call
starts, so an app that never calls never loads the web engine.
"""
