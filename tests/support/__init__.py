"""Test support code shared by the tests, bench/ and scripts/ (not shipped in the wheel)."""
