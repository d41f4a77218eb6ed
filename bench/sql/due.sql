-- `zoufang due --days 30 --format json` by hand: active households due by today + 30 days,
-- most overdue first, with their categories and cadres (run with sqlite3 -json).
-- :today and :until are replaced by bench/run.py.
SELECT h.code AS household, h.head_name AS name, h.village,
  (SELECT json_group_array(category_code) FROM (
     SELECT category_code FROM household_category WHERE household_id = h.id
     ORDER BY category_code)) AS categories,
  (SELECT json_group_array(code) FROM (
     SELECT c.code FROM assignment a JOIN cadre c ON c.id = a.cadre_id
     WHERE a.household_id = h.id ORDER BY c.code)) AS cadres,
  h.last_visit_on AS last_visit, h.due_date,
  CAST(julianday(:today) - julianday(h.due_date) AS INTEGER) AS days_overdue
FROM household h
WHERE h.status = 'active' AND h.due_date <= :until
ORDER BY h.due_date, h.code;
