-- Webhook subscriptions: each pushes the change feed (activities) its creator
-- could read to an HTTPS endpoint, in order, at least once.
--
-- The creator's principal is kept (subject, home tenant, roles) so the
-- dispatcher reads what that principal could, whoever runs it. One replica at a
-- time delivers a subscription: the one whose lease (lease_owner, lease_until,
-- set and renewed with the database's clock) is current; a dead replica's lease
-- runs out and another takes the subscription over.
CREATE TABLE IF NOT EXISTS subscriptions (
  tenant_id BINARY(16) NOT NULL,
  subscription_id BINARY(16) NOT NULL,
  display_name VARCHAR(120) NOT NULL,
  uri VARCHAR(2048) NOT NULL,
  activity_types TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(activity_types)),
  secret VARCHAR(256) NOT NULL,
  state TINYINT NOT NULL,
  last_delivery_time DATETIME(6) NULL,
  last_error VARCHAR(1024) NOT NULL DEFAULT '',
  -- Consecutive failed attempts at the head activity, when the first of them
  -- was made, and when the next may be.
  failures INT NOT NULL DEFAULT 0,
  first_failure_time DATETIME(6) NULL,
  next_attempt_time DATETIME(6) NULL,
  creator VARCHAR(255) NOT NULL,
  creator_tenant_id BINARY(16) NOT NULL,
  creator_roles TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(creator_roles)),
  lease_owner VARCHAR(64) NOT NULL DEFAULT '',
  lease_until DATETIME(6) NULL,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  revision BIGINT NOT NULL,
  PRIMARY KEY (tenant_id, subscription_id),
  KEY subscriptions_due (tenant_id, state, lease_until)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- How far a subscription has delivered each source tenant's feed: ids within a
-- tenant follow commit order, so "after this id" misses nothing. A source tenant
-- without a row starts at the subscription's create time.
CREATE TABLE IF NOT EXISTS subscription_cursors (
  tenant_id BINARY(16) NOT NULL,
  subscription_id BINARY(16) NOT NULL,
  source_tenant_id BINARY(16) NOT NULL,
  last_activity_id BINARY(16) NOT NULL,
  PRIMARY KEY (tenant_id, subscription_id, source_tenant_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Every delivery attempt, newest first by id (a UUIDv7).
CREATE TABLE IF NOT EXISTS deliveries (
  tenant_id BINARY(16) NOT NULL,
  subscription_id BINARY(16) NOT NULL,
  delivery_id BINARY(16) NOT NULL,
  activity VARCHAR(255) NOT NULL,
  attempt INT NOT NULL,
  http_status INT NOT NULL,
  error VARCHAR(1024) NOT NULL,
  latency_us BIGINT NOT NULL,
  create_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, subscription_id, delivery_id),
  KEY deliveries_by_time (tenant_id, create_time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
