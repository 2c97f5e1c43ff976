-- SLA: each case's acknowledge and resolve deadlines, from its tenant's policy at
-- create and when its severity changes, and the first time it was acknowledged.
-- A case without a deadline holds 9999-12-31 (not NULL): it sorts last in the
-- "overdue first" order and keyset pages need no NULL handling.
ALTER TABLE cases
  ADD COLUMN acknowledge_time DATETIME(6) NULL AFTER purge_time,
  ADD COLUMN acknowledge_deadline DATETIME(6) NOT NULL DEFAULT '9999-12-31 00:00:00' AFTER acknowledge_time,
  ADD COLUMN resolve_deadline DATETIME(6) NOT NULL DEFAULT '9999-12-31 00:00:00' AFTER acknowledge_deadline,
  ADD KEY cases_by_resolve_deadline (tenant_id, resolve_deadline, case_id),
  ADD KEY cases_by_acknowledge_deadline (tenant_id, acknowledge_deadline, case_id),
  -- GetCaseStats counts from this index alone (no row reads), grouped in its
  -- order, when its filter is on status, severity, type, the resolve deadline or
  -- create_time; type after the grouping columns keeps the GROUP BY in index order.
  ADD KEY cases_stats (tenant_id, status, severity, type, resolve_deadline, create_time,
                       acknowledge_time, resolve_time);
-- Cases already acknowledged in effect: out of NEW or assigned.
UPDATE cases SET acknowledge_time = update_time WHERE status <> 1 OR assignee <> '';

-- One SLA policy per tenant: targets in seconds per severity number, as a JSON
-- object {"3.acknowledge": "3600", "3.resolve": "86400", ...}.
CREATE TABLE IF NOT EXISTS sla_policies (
  tenant_id BINARY(16) NOT NULL,
  targets LONGTEXT NOT NULL CHECK (json_valid(targets)),
  update_time DATETIME(6) NOT NULL,
  revision BIGINT NOT NULL DEFAULT 1,
  PRIMARY KEY (tenant_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
