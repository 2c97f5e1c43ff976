-- The change feed (a transactional outbox): one row per committed change, written
-- by the changing transaction itself just before COMMIT.
--
-- activity_id is a UUIDv7 whose 60 time-and-sequence bits come from the tenant's
-- 'activities' counter in tenant_counters, bumped under its row lock by the trigger
-- below as the rows are inserted, the last statement of the transaction: within a
-- tenant, a transaction that commits later always gets a greater id, whichever replica
-- (and clock) wrote it. Readers can therefore page and stream "after id X" without
-- missing late commits.
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

-- The writer sends each row with an id built from its own clock (unix ms << 12, the
-- floor) and a random tail; the trigger moves the tenant's counter to the greater of
-- its next value and that floor and writes the counter's bits into the id. One
-- statement for the whole outbox of a transaction: no separate counter round trip.
DELIMITER //
CREATE TRIGGER activities_in_commit_order BEFORE INSERT ON activities FOR EACH ROW
BEGIN
  DECLARE head BIGINT UNSIGNED DEFAULT CONV(HEX(LEFT(NEW.activity_id, 8)), 16, 10);
  INSERT INTO tenant_counters (tenant_id, counter, value)
    VALUES (NEW.tenant_id, 'activities', LAST_INSERT_ID(((head >> 16) << 12) | (head & 4095)))
    ON DUPLICATE KEY UPDATE value = LAST_INSERT_ID(GREATEST(value + 1, VALUES(value)));
  SET NEW.activity_id = CONCAT(
    UNHEX(LPAD(HEX(((LAST_INSERT_ID() >> 12) << 16) | 28672 | (LAST_INSERT_ID() & 4095)), 16, '0')),
    SUBSTRING(NEW.activity_id, 9));
END//
DELIMITER ;
