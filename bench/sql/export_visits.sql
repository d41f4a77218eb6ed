-- `zoufang export --format csv --table visits` by hand: every visit with its household,
-- cadres, needs, suggestions, wishes and gifts (run with sqlite3 -csv -header).
SELECT v.id, v.visit_date, h.code, h.head_name, h.village, v.kind,
  (SELECT group_concat(c.code, '; ') FROM visit_cadre vc JOIN cadre c ON c.id = vc.cadre_id
   WHERE vc.visit_id = v.id) AS cadres,
  v.notes,
  (SELECT group_concat(text, '; ') FROM commitment WHERE visit_id = v.id) AS needs,
  (SELECT group_concat(text, '; ') FROM visit_item WHERE visit_id = v.id AND kind = 'suggestion')
    AS suggestions,
  (SELECT group_concat(text, '; ') FROM visit_item WHERE visit_id = v.id AND kind = 'wish')
    AS wishes,
  (SELECT group_concat(text, '; ') FROM visit_item WHERE visit_id = v.id AND kind = 'gift')
    AS gifts,
  v.next_date, v.recorded_at, v.operator
FROM visit v JOIN household h ON h.id = v.household_id
ORDER BY v.id;
