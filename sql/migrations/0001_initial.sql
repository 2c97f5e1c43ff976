-- The first schema. Every primary key starts with tenant_id so the schema shards by
-- tenant (sql/vitess/vschema.json); ids are UUIDv7 in BINARY(16); enums are stored
-- as their proto numbers; times are UTC DATETIME(6). No AUTO_INCREMENT anywhere.

CREATE TABLE IF NOT EXISTS tenants (
  tenant_id BINARY(16) NOT NULL,
  parent_id BINARY(16) NULL,
  kind TINYINT NOT NULL,
  display_name VARCHAR(120) NOT NULL,
  create_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id),
  KEY tenants_by_parent (parent_id, tenant_id),
  KEY tenants_by_kind (kind, tenant_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS licenses (
  tenant_id BINARY(16) NOT NULL,
  license_id VARCHAR(64) NOT NULL,
  product TINYINT NOT NULL,
  start_time DATETIME(6) NOT NULL,
  expire_time DATETIME(6) NOT NULL,
  install_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, license_id),
  KEY licenses_by_product (product, tenant_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Per-tenant sequences (case numbers): one row per (tenant, sequence), bumped under
-- a row lock inside the creating transaction, so numbers are gap-free per tenant
-- and tenants never wait on each other.
CREATE TABLE IF NOT EXISTS tenant_counters (
  tenant_id BINARY(16) NOT NULL,
  counter VARCHAR(32) NOT NULL,
  value BIGINT NOT NULL,
  PRIMARY KEY (tenant_id, counter)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS queues (
  tenant_id BINARY(16) NOT NULL,
  queue_id BINARY(16) NOT NULL,
  display_name VARCHAR(120) NOT NULL,
  description MEDIUMTEXT NOT NULL,
  create_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, queue_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS cases (
  tenant_id BINARY(16) NOT NULL,
  case_id BINARY(16) NOT NULL,
  number BIGINT NOT NULL,
  display_name VARCHAR(120) NOT NULL,
  description MEDIUMTEXT NOT NULL,
  type TINYINT NOT NULL,
  severity TINYINT NOT NULL,
  priority TINYINT NOT NULL,
  status TINYINT NOT NULL,
  close_reason TINYINT NOT NULL DEFAULT 0,
  close_note TEXT NOT NULL,
  queue_id BINARY(16) NULL,
  assignee VARCHAR(255) NOT NULL DEFAULT '',
  detection_count INT NOT NULL DEFAULT 0,
  source_alert_id BINARY(16) NULL,
  attributes LONGTEXT NOT NULL CHECK (json_valid(attributes)),
  creator VARCHAR(255) NOT NULL,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  resolve_time DATETIME(6) NULL,
  purge_time DATETIME(6) NULL,
  revision BIGINT NOT NULL DEFAULT 1,
  PRIMARY KEY (tenant_id, case_id),
  UNIQUE KEY cases_by_number (tenant_id, number),
  KEY cases_by_create (tenant_id, create_time, case_id),
  KEY cases_by_update (tenant_id, update_time, case_id),
  KEY cases_by_severity (tenant_id, severity, create_time, case_id),
  KEY cases_by_status (tenant_id, status, create_time, case_id),
  KEY cases_by_purge (tenant_id, purge_time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS case_events (
  tenant_id BINARY(16) NOT NULL,
  case_id BINARY(16) NOT NULL,
  event_id BINARY(16) NOT NULL,
  actor VARCHAR(255) NOT NULL,
  type TINYINT NOT NULL,
  changes LONGTEXT NOT NULL CHECK (json_valid(changes)),
  summary TEXT NOT NULL,
  create_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, case_id, event_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS alerts (
  tenant_id BINARY(16) NOT NULL,
  alert_id BINARY(16) NOT NULL,
  alert_key VARCHAR(255) NOT NULL,
  title VARCHAR(255) NOT NULL,
  severity TINYINT NOT NULL,
  detection_count INT NOT NULL DEFAULT 0,
  attributes LONGTEXT NOT NULL CHECK (json_valid(attributes)),
  case_id BINARY(16) NULL,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, alert_id),
  UNIQUE KEY alerts_by_key (tenant_id, alert_key),
  KEY alerts_by_create (tenant_id, create_time, alert_id),
  KEY alerts_by_update (tenant_id, update_time, alert_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS alert_events (
  tenant_id BINARY(16) NOT NULL,
  alert_id BINARY(16) NOT NULL,
  event_id BINARY(16) NOT NULL,
  actor VARCHAR(255) NOT NULL,
  type TINYINT NOT NULL,
  changes LONGTEXT NOT NULL CHECK (json_valid(changes)),
  summary TEXT NOT NULL,
  create_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, alert_id, event_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS detections (
  tenant_id BINARY(16) NOT NULL,
  detection_id BINARY(16) NOT NULL,
  external_id VARCHAR(255) NOT NULL,
  alert_id BINARY(16) NOT NULL,
  product TINYINT NOT NULL,
  severity TINYINT NOT NULL,
  title VARCHAR(255) NOT NULL,
  description MEDIUMTEXT NOT NULL,
  attributes LONGTEXT NOT NULL CHECK (json_valid(attributes)),
  device VARCHAR(255) NOT NULL DEFAULT '',
  entity VARCHAR(255) NOT NULL DEFAULT '',
  mitre_techniques LONGTEXT NOT NULL CHECK (json_valid(mitre_techniques)),
  detect_time DATETIME(6) NOT NULL,
  case_id BINARY(16) NULL,
  create_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, detection_id),
  UNIQUE KEY detections_by_external_id (tenant_id, external_id),
  KEY detections_by_alert (tenant_id, alert_id, detection_id),
  KEY detections_by_create (tenant_id, create_time, detection_id),
  KEY detections_by_detect (tenant_id, detect_time, detection_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A detection may sit in several cases.
CREATE TABLE IF NOT EXISTS case_detections (
  tenant_id BINARY(16) NOT NULL,
  case_id BINARY(16) NOT NULL,
  detection_id BINARY(16) NOT NULL,
  create_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, case_id, detection_id),
  KEY case_detections_by_detection (tenant_id, detection_id, case_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS service_requests (
  tenant_id BINARY(16) NOT NULL,
  service_request_id BINARY(16) NOT NULL,
  type TINYINT NOT NULL,
  display_name VARCHAR(120) NOT NULL,
  description MEDIUMTEXT NOT NULL,
  status TINYINT NOT NULL,
  creator VARCHAR(255) NOT NULL,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, service_request_id),
  KEY service_requests_by_create (tenant_id, create_time, service_request_id),
  KEY service_requests_by_update (tenant_id, update_time, service_request_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS messages (
  tenant_id BINARY(16) NOT NULL,
  service_request_id BINARY(16) NOT NULL,
  message_id BINARY(16) NOT NULL,
  author VARCHAR(255) NOT NULL,
  side TINYINT NOT NULL,
  body MEDIUMTEXT NOT NULL,
  create_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, service_request_id, message_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- request_id of creates (AIP-155): the first result is returned to a retry with
-- the same id; a different body under the same id is refused (request_hash).
CREATE TABLE IF NOT EXISTS idempotency_keys (
  tenant_id BINARY(16) NOT NULL,
  method VARCHAR(64) NOT NULL,
  request_id VARCHAR(64) NOT NULL,
  request_hash BINARY(32) NOT NULL,
  resource_name VARCHAR(255) NOT NULL,
  create_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, method, request_id),
  KEY idempotency_keys_by_time (tenant_id, create_time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
