-- The investigation inside a case: its notebook, its tags, the devices, entities
-- and ATT&CK techniques of its detections, and a full-text index over its text.
--
-- A case row carries its tags and its detections' devices, entities and
-- techniques as JSON lists, for reads; case_facets holds the same values one per
-- row, for the `tags:` / `devices:` / `entities:` / `mitre_techniques:` filters
-- (the `kind` column says which). Both are written in the transaction that
-- changes them.
ALTER TABLE cases
  ADD COLUMN tags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags)) AFTER resolve_deadline,
  ADD COLUMN devices MEDIUMTEXT NOT NULL DEFAULT '[]' CHECK (json_valid(devices)) AFTER tags,
  ADD COLUMN entities MEDIUMTEXT NOT NULL DEFAULT '[]' CHECK (json_valid(entities)) AFTER devices,
  ADD COLUMN mitre_techniques MEDIUMTEXT NOT NULL DEFAULT '[]'
    CHECK (json_valid(mitre_techniques)) AFTER entities;

-- kind: 1 tag, 2 device, 3 entity, 4 ATT&CK technique. Values are lower-cased
-- (tags, devices, entities) so `:` matches regardless of case; techniques keep
-- their `T1059.001` form. The second key serves the filters: a value's cases of
-- one tenant, in case id order.
CREATE TABLE IF NOT EXISTS case_facets (
  tenant_id BINARY(16) NOT NULL,
  case_id BINARY(16) NOT NULL,
  kind TINYINT NOT NULL,
  value VARCHAR(255) NOT NULL,
  PRIMARY KEY (tenant_id, case_id, kind, value),
  KEY case_facets_by_value (tenant_id, kind, value, case_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The notebook: Markdown notes, oldest first by their time-ordered ids.
CREATE TABLE IF NOT EXISTS case_notes (
  tenant_id BINARY(16) NOT NULL,
  case_id BINARY(16) NOT NULL,
  note_id BINARY(16) NOT NULL,
  author VARCHAR(255) NOT NULL,
  body MEDIUMTEXT NOT NULL,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  revision BIGINT NOT NULL DEFAULT 1,
  PRIMARY KEY (tenant_id, case_id, note_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- What a bare text term in a ListCases filter searches: one document per case
-- (its display name and description, doc_id = case_id) and one per note (doc_id =
-- note_id), under one InnoDB FULLTEXT index, so a term costs one index search and
-- a semi-join with cases. The body is case-insensitive (utf8mb4_unicode_ci) for
-- the index; every other column is binary.
CREATE TABLE IF NOT EXISTS case_text (
  tenant_id BINARY(16) NOT NULL,
  case_id BINARY(16) NOT NULL,
  doc_id BINARY(16) NOT NULL,
  body MEDIUMTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL,
  PRIMARY KEY (tenant_id, case_id, doc_id),
  FULLTEXT KEY case_text_search (body)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Cases that exist already get their document.
INSERT IGNORE INTO case_text (tenant_id, case_id, doc_id, body)
  SELECT tenant_id, case_id, case_id, CONCAT(display_name, '\n', description) FROM cases;
