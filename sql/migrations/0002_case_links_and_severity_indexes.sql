-- Removing a case clears alerts.case_id and detections.case_id: index those, and
-- let detections and alerts be listed by severity without sorting the tenant.
ALTER TABLE alerts
  ADD KEY alerts_by_case (tenant_id, case_id),
  ADD KEY alerts_by_severity (tenant_id, severity, create_time, alert_id);
ALTER TABLE detections
  ADD KEY detections_by_case (tenant_id, case_id),
  ADD KEY detections_by_severity (tenant_id, severity, create_time, detection_id);
