"""Helpers several test suites share: fakes, the command walk, the projection behaviour suite."""
