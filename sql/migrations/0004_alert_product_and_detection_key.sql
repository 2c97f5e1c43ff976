-- Alert.product: the product of the alert's detections (an alert key groups one
-- product's detections), so lists can be narrowed to a provider analyst's product.
-- Detection.alert_key: the key each detection was ingested with, returned on reads.
ALTER TABLE alerts ADD COLUMN product TINYINT NOT NULL DEFAULT 1 AFTER alert_key;
UPDATE alerts a SET a.product = COALESCE(
  (SELECT MIN(d.product) FROM detections d WHERE d.tenant_id = a.tenant_id AND d.alert_id = a.alert_id), 1);
ALTER TABLE detections ADD COLUMN alert_key VARCHAR(255) NOT NULL DEFAULT '' AFTER alert_id;
UPDATE detections d JOIN alerts a ON a.tenant_id = d.tenant_id AND a.alert_id = d.alert_id
  SET d.alert_key = a.alert_key;
