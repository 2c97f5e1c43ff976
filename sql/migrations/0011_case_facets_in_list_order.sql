-- A `tags:` / `devices:` / `entities:` / `mitre_techniques:` filter on a list in
-- create-time order used to walk the cases' create-time index and probe each case's
-- facet rows until a page was found: cheap where most cases hold the value, a read
-- of every case newer than the page where few do (100 000 cases with the 40 000
-- newest untagged: ~5 s at 32 callers). Each facet row therefore carries its case's
-- create time (fixed at insert, like the case's), and the filter's page is read from
-- case_facets_in_order — one value's cases of one tenant, in the list's order — then
-- joined to the cases, so a page costs what it reads.
--
-- A technique's row set also holds its technique (T1059 for T1059.001), so
-- `mitre_techniques:"T1059"` is one value too, and a case holding two
-- sub-techniques of it is one row of that value.
ALTER TABLE case_facets
  ADD COLUMN create_time DATETIME(6) NOT NULL DEFAULT '1970-01-01 00:00:00' AFTER value;

UPDATE case_facets JOIN cases USING (tenant_id, case_id)
  SET case_facets.create_time = cases.create_time;

INSERT IGNORE INTO case_facets (tenant_id, case_id, kind, value, create_time)
  SELECT tenant_id, case_id, kind, SUBSTRING_INDEX(value, '.', 1), create_time
  FROM case_facets WHERE kind = 4 AND value LIKE '%.%';

ALTER TABLE case_facets
  DROP KEY case_facets_by_value,
  ADD KEY case_facets_in_order (tenant_id, kind, value, create_time, case_id);
