"""Helpers shared by the tests: servers, strategies, golden cases, tool runners. Not tests."""
