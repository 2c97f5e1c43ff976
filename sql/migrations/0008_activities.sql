-- The change feed (a transactional outbox): one row per committed change, written
-- by the changing transaction itself just before COMMIT.
--
-- activity_id is a UUIDv7 whose 60 time-and-sequence bits come from the tenant's
-- 'activities' counter in tenant_counters, bumped under its row lock as the last
-- statement of the transaction: within a tenant, a transaction that commits later
-- always gets a greater id, whichever replica (and clock) wrote it. Readers can
-- therefore page and stream "after id X" without missing late commits.
CREATE TABLE IF NOT EXISTS activities (
  tenant_id BINARY(16) NOT NULL,
  activity_id BINARY(16) NOT NULL,
  type TINYINT NOT NULL,
  -- The product whose readers may see it (0: every reader of the tenant), so
  -- provider analysts' lists narrow on an index column.
  product TINYINT NOT NULL,
  resource VARCHAR(255) NOT NULL,
  actor VARCHAR(255) NOT NULL,
  create_time DATETIME(6) NOT NULL,
  -- soc.cases.v1.Activity in protobuf binary, without its name and time.
  payload LONGBLOB NOT NULL,
  PRIMARY KEY (tenant_id, activity_id),
  KEY activities_by_resource (tenant_id, resource(191), activity_id),
  KEY activities_by_time (tenant_id, create_time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
