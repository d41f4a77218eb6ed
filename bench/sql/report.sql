-- `zoufang report` by hand: the campaign figures over the whole ledger (coverage, visits by
-- kind, village and category, needs, what was heard, money by fund and category, cadres).
SELECT COUNT(*), SUM(last_visit_on IS NOT NULL), SUM(last_visit_on IS NULL) FROM household;
SELECT kind, COUNT(*), COUNT(DISTINCT household_id) FROM visit GROUP BY kind;
SELECT h.village, COUNT(v.id), COUNT(DISTINCT v.household_id)
FROM visit v JOIN household h ON h.id = v.household_id GROUP BY h.village;
SELECT hc.category_code, COUNT(v.id), COUNT(DISTINCT v.household_id)
FROM visit v JOIN household_category hc ON hc.household_id = v.household_id
GROUP BY hc.category_code;
SELECT COUNT(*), SUM(status = 'resolved'), SUM(status = 'referred'),
       SUM(status IN ('open', 'in-progress') AND due_date < :today)
FROM commitment;
SELECT vi.kind, COUNT(*), COUNT(DISTINCT v.household_id)
FROM visit_item vi JOIN visit v ON v.id = vi.visit_id GROUP BY vi.kind;
SELECT e.fund_code, f.name,
       SUM(CASE WHEN e.kind = 'allocate' THEN e.amount_fen
                WHEN e.kind = 'reverse' AND e.household_code IS NULL THEN -e.amount_fen END),
       SUM(CASE WHEN e.kind = 'disburse' THEN e.amount_fen
                WHEN e.kind = 'reverse' AND e.household_code IS NOT NULL THEN -e.amount_fen END),
       COUNT(DISTINCT e.household_code)
FROM ledger_entry e JOIN fund f ON f.code = e.fund_code GROUP BY e.fund_code, f.name;
SELECT hc.category_code, SUM(p.net), COUNT(*)
FROM (SELECT household_code,
             SUM(CASE WHEN kind = 'disburse' THEN amount_fen ELSE -amount_fen END) AS net
      FROM ledger_entry WHERE household_code IS NOT NULL GROUP BY household_code) p
JOIN household h ON h.code = p.household_code
JOIN household_category hc ON hc.household_id = h.id GROUP BY hc.category_code;
SELECT c.code, c.name,
  (SELECT COUNT(*) FROM assignment a WHERE a.cadre_id = c.id),
  (SELECT COUNT(*) FROM visit_cadre vc WHERE vc.cadre_id = c.id),
  (SELECT COUNT(*) FROM commitment m WHERE m.cadre_id = c.id AND m.status IN ('open', 'in-progress'))
FROM cadre c ORDER BY c.code;
