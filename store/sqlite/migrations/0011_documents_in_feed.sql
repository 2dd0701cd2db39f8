-- Purchase orders and pick lists join the change feed so that phones pull them and have them
-- offline. Those written before this migration get an entry each, after every existing one, so
-- a device's next pull brings them whatever its cursor.
INSERT INTO changes (seq, entity, id, deleted)
SELECT (SELECT value FROM seq WHERE id = 1) + ROW_NUMBER() OVER (ORDER BY kind, id), kind, id, 0
FROM (SELECT 'purchase_order' AS kind, id FROM purchase_orders
      UNION ALL
      SELECT 'pick_list' AS kind, id FROM pick_lists);

UPDATE seq SET value = value + (SELECT COUNT(*) FROM purchase_orders) + (SELECT COUNT(*) FROM pick_lists)
WHERE id = 1;
