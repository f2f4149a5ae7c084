#!/bin/sh
# /usr/bin/parley: the desktop app installed under /opt/parley (a PyInstaller bundle).
exec /opt/parley/parley "$@"
