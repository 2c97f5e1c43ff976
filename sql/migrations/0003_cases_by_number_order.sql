-- ListCases order_by number sorts by (number, case_id); the unique (tenant_id, number)
-- key is not used for that order, so 100 000 cases were sorted per page. This one is.
ALTER TABLE cases ADD KEY cases_by_number_order (tenant_id, number, case_id);
