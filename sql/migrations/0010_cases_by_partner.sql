-- A partner's console lists the cases of all its tenants at once (`tenants/-`), newest
-- first. With only per-tenant indexes that is a read of every case of every tenant and
-- a sort, whatever the page size. Each case therefore carries the account it is listed
-- under, its partner: the tenant's parent for a tenant, the tenant itself for a
-- partner, an organization or the provider. Tenants never change parent, so the value
-- is fixed at insert (InsertNewCases reads it from `tenants`). A list across one
-- partner's tenants walks cases_by_partner in create_time order and stops after a
-- page; tenant_id, part of the primary key, sits in the index, so the list's
-- `tenant_id IN (...)` is checked without reading the row.
ALTER TABLE cases
  ADD COLUMN partner_id BINARY(16) NULL AFTER tenant_id,
  ADD KEY cases_by_partner (partner_id, create_time, case_id);

UPDATE cases JOIN tenants USING (tenant_id)
  SET cases.partner_id = IF(tenants.kind = 1, tenants.parent_id, tenants.tenant_id);
