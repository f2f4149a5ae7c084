"""The calls port: Jitsi Meet with JWT rooms, or the built-in 1:1 WebRTC page."""
