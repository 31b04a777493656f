"""What tests share besides fixtures: types, world builders, processes, polling.

- `clients`: the `Client` type, same-origin headers, creators, guests, error checks.
- `world`: products, shows, a live show's shop (`open_live_shop`, `go_live`).
- `shopping`: a buyer's steps (Buy now, the checkout form, paying) and stock levels.
- `replay`, `webm`: an ended show with a real recorded part.
- `clocks`: fake clocks; `polling`: wait for a condition with a deadline.
- `processes`, `redis_server`, `stage`, `served`, `layout`: free ports, /proc,
  a real `redis-server`, a real `livesale serve` and the users who reach it.
- `nginx`, `cluster`: the shipped nginx config in a real nginx, and two full
  `livesale serve` nodes behind it sharing PostgreSQL and Redis.
- `peers`, `whip`, `signalling`, `ice_links`: real aiortc peers, WHIP and WHEP
  against an app under test or a running server, ICE-server Link headers.
- `network_cut`, `ice_flood`: a pulled cable, candidate floods.
- `raw_http`: what no client library would send; `chromium`: the browser's path and flags.

Fixtures stay in the conftests; `scripts/chaos.py` builds on these modules too.
"""
