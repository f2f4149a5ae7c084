"""Other messengers driven through the same scenario as Parley's bench, so a ratio is measured."""
