-- tapbot's tables. Times are Unix nanoseconds, as tapbot orders them (a
-- timestamptz keeps microseconds only). data columns hold exactly the JSON
-- the bbolt store keeps, so both stores read and chain the same bytes; the
-- other columns are copies of what the indexes need.

-- One row per request. open is "not in a final state".
CREATE TABLE tapbot_requests (
	id                 text COLLATE "C" PRIMARY KEY,
	state              text NOT NULL,
	open               boolean NOT NULL,
	tenant             text NOT NULL,
	target_id          text COLLATE "C" NOT NULL,
	target_upn         text NOT NULL,
	requester_platform text COLLATE "C" NOT NULL,
	requester_id       text COLLATE "C" NOT NULL,
	-- approvals.FoldID of the requester's Entra object id; '' while unknown.
	requester_entra    text COLLATE "C" NOT NULL,
	created_ns         bigint NOT NULL,
	expires_ns         bigint NOT NULL,
	data               bytea NOT NULL
);
-- The sweeper and everything unfinished.
CREATE INDEX tapbot_requests_open ON tapbot_requests (created_ns, id) WHERE open;
-- What is recent.
CREATE INDEX tapbot_requests_created ON tapbot_requests (created_ns, id);
-- The admission rules: one open request per target, the target's cooldown,
-- the requester's rate limit by chat account and by Entra user.
CREATE INDEX tapbot_requests_open_target ON tapbot_requests (target_id, id) WHERE open;
CREATE INDEX tapbot_requests_target ON tapbot_requests (target_id, created_ns, id);
CREATE INDEX tapbot_requests_requester ON tapbot_requests (requester_platform, requester_id, created_ns);
CREATE INDEX tapbot_requests_entra ON tapbot_requests (requester_entra, created_ns) WHERE requester_entra <> '';

-- The audit log: each event's JSON under its sequence number.
CREATE TABLE tapbot_audit (
	seq        bigint PRIMARY KEY CHECK (seq > 0),
	at_ns      bigint NOT NULL,
	type       text NOT NULL,
	request_id text COLLATE "C" NOT NULL,
	data       bytea NOT NULL
);
CREATE INDEX tapbot_audit_at ON tapbot_audit (at_ns);

-- One row, locked by every transaction that appends to the audit log until
-- it commits, so the chain has one total order across replicas; it records
-- where keyed chaining began (0: not yet).
CREATE TABLE tapbot_audit_chain (
	only_row   boolean PRIMARY KEY DEFAULT true CHECK (only_row),
	keyed_from bigint NOT NULL DEFAULT 0
);
INSERT INTO tapbot_audit_chain DEFAULT VALUES;

-- Small values of the front-ends (Teams conversation references) and the
-- cursors of the audit followers, under kind/key or the follower's name.
CREATE TABLE tapbot_refs (
	name  text COLLATE "C" PRIMARY KEY,
	value bytea NOT NULL
);
