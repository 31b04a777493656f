"""`livesale serve` as several processes: a supervisor, one media process, N shop processes."""
