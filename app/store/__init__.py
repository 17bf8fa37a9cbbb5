"""Everything Sandi keeps, it keeps in Redis; this package is the only door to it."""
