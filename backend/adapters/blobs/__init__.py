"""The blob store: a local directory (embedded default) or any S3 server (production)."""
