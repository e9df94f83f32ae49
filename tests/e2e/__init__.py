"""Browser tests, and the linked-data fixture store the linked-data tests share."""
