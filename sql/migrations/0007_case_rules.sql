-- Case rules: saved filters over incoming detections that open cases at ingest.
--
-- A rule's template is kept as columns; its filter as the text the user wrote
-- (checked when saved, compiled by the server). Counters live beside the rule in
-- case_rule_counts, a few rows per rule that ingests bump at random, so that
-- concurrent ingests matching one rule do not queue on the rule's own row and an
-- update of the rule never races a count.
CREATE TABLE IF NOT EXISTS case_rules (
  tenant_id BINARY(16) NOT NULL,
  rule_id BINARY(16) NOT NULL,
  display_name VARCHAR(120) NOT NULL,
  description MEDIUMTEXT NOT NULL,
  enabled TINYINT NOT NULL,
  filter TEXT NOT NULL,
  case_type TINYINT NOT NULL,
  group_by TINYINT NOT NULL,
  group_window_seconds BIGINT NOT NULL,
  template_display_name VARCHAR(255) NOT NULL,
  template_severity TINYINT NOT NULL,
  template_priority TINYINT NOT NULL,
  template_queue_id BINARY(16) NULL,
  template_assignee VARCHAR(255) NOT NULL,
  template_tags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(template_tags)),
  creator VARCHAR(255) NOT NULL,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  revision BIGINT NOT NULL,
  PRIMARY KEY (tenant_id, rule_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS case_rule_counts (
  tenant_id BINARY(16) NOT NULL,
  rule_id BINARY(16) NOT NULL,
  slot TINYINT NOT NULL,
  match_count BIGINT NOT NULL,
  last_match_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, rule_id, slot)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The case a rule made last for one group key (an alert id, a device, or '' for
-- the rule itself). Its row is locked by the ingest that matches the key, so
-- concurrent ingests of one key open one case between them.
CREATE TABLE IF NOT EXISTS case_rule_groups (
  tenant_id BINARY(16) NOT NULL,
  rule_id BINARY(16) NOT NULL,
  group_key VARBINARY(255) NOT NULL,
  case_id BINARY(16) NULL,
  PRIMARY KEY (tenant_id, rule_id, group_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The rule that opened a case (NULL: a person did), for `source_rule = "..."`.
ALTER TABLE cases
  ADD COLUMN source_rule_id BINARY(16) NULL AFTER mitre_techniques,
  ADD KEY cases_by_source_rule (tenant_id, source_rule_id, create_time);
