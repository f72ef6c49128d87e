-- What replicas share besides the requests (leases.go, seen.go). Times
-- here are the database's own (now()), so replicas whose clocks differ
-- still agree on when a lease ran out.

-- One row per running replica, renewed every few seconds while it lives.
-- A replica whose row is gone or ran out is dead: its requests in flight
-- are the others' to finish, its named leases theirs to take.
CREATE TABLE tapbot_replicas (
	id         text COLLATE "C" PRIMARY KEY,
	started_at timestamptz NOT NULL DEFAULT now(),
	expires_at timestamptz NOT NULL
);

-- Who runs each background loop (the sweeper, an audit follower, taking
-- over dead replicas' requests): held while the holder's replica row is.
CREATE TABLE tapbot_leases (
	name   text COLLATE "C" PRIMARY KEY,
	holder text COLLATE "C" NOT NULL,
	since  timestamptz NOT NULL DEFAULT now()
);

-- One-time keys every replica must refuse a second time: the signatures of
-- Slack's signed requests, Teams activity ids, Socket Mode envelope ids
-- (their SHA-256), each until it is too old to be accepted anyway.
CREATE TABLE tapbot_seen (
	kind       text COLLATE "C" NOT NULL,
	key        bytea NOT NULL,
	expires_at timestamptz NOT NULL,
	PRIMARY KEY (kind, key)
);
CREATE INDEX tapbot_seen_expires ON tapbot_seen (expires_at);
