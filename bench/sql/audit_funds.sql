-- `zoufang audit funds` by hand: read every entry in chain order, then every rule check
-- (balances, caps, eligibility, period, inactive households, same-day duplicates,
-- conflicts of interest, payments without a visit). The sqlite3 shell has no SHA-256, so the
-- hash chain itself is only read here, not recomputed: zoufang does more work than this.
SELECT seq, fund_code, kind, amount_fen, household_code, visit_id, entry_date, cadre_code,
       operator, memo, reverses_seq, override_reason, recorded_at, prev_hash, hash
FROM ledger_entry ORDER BY seq;

WITH moves AS (
  SELECT fund_code, seq,
         SUM(CASE WHEN kind = 'allocate' THEN amount_fen
                  WHEN kind = 'disburse' THEN -amount_fen
                  WHEN household_code IS NULL THEN -amount_fen
                  ELSE amount_fen END) OVER (PARTITION BY fund_code ORDER BY seq) AS balance
  FROM ledger_entry)
SELECT 'overspend', fund_code, seq FROM moves WHERE balance < 0;

WITH paid AS (
  SELECT e.seq, e.fund_code, e.household_code,
         SUM(CASE WHEN e.kind = 'disburse' THEN e.amount_fen ELSE -e.amount_fen END)
           OVER (PARTITION BY e.fund_code, e.household_code ORDER BY e.seq) AS received
  FROM ledger_entry e WHERE e.household_code IS NOT NULL)
SELECT 'over-cap', p.fund_code, p.seq FROM paid p JOIN fund f ON f.code = p.fund_code
WHERE f.cap_fen IS NOT NULL AND p.received > f.cap_fen;

SELECT 'ineligible', e.fund_code, e.seq
FROM ledger_entry e JOIN household h ON h.code = e.household_code
WHERE e.kind = 'disburse' AND NOT EXISTS (
  SELECT 1 FROM household_category hc JOIN fund_category fc ON fc.category_code = hc.category_code
  WHERE hc.household_id = h.id AND fc.fund_code = e.fund_code);

SELECT 'out-of-period', e.fund_code, e.seq
FROM ledger_entry e JOIN fund f ON f.code = e.fund_code
WHERE e.kind = 'disburse' AND (e.entry_date < f.valid_from OR e.entry_date > f.valid_to);

SELECT 'inactive-household', e.fund_code, e.seq
FROM ledger_entry e JOIN household h ON h.code = e.household_code
WHERE e.kind = 'disburse' AND h.status <> 'active'
  AND (h.exited_on IS NULL OR h.exited_on <= e.entry_date);

SELECT 'duplicate', fund_code, household_code, entry_date, COUNT(*)
FROM ledger_entry e
WHERE kind = 'disburse' AND NOT EXISTS (SELECT 1 FROM ledger_entry r WHERE r.reverses_seq = e.seq)
GROUP BY fund_code, household_code, entry_date HAVING COUNT(*) > 1;

SELECT 'conflict-of-interest', e.fund_code, e.seq
FROM ledger_entry e JOIN cadre c ON c.code = e.cadre_code
JOIN cadre_relative r ON r.cadre_id = c.id
JOIN household h ON h.code = e.household_code
WHERE e.kind = 'disburse' AND (r.household_id = h.id OR r.id_number = h.id_number);

SELECT 'no-visit', e.fund_code, e.seq
FROM ledger_entry e JOIN household h ON h.code = e.household_code
WHERE e.kind = 'disburse' AND NOT EXISTS (
  SELECT 1 FROM visit v WHERE v.household_id = h.id AND v.visit_date = e.entry_date);

SELECT 'override', fund_code, seq FROM ledger_entry WHERE override_reason IS NOT NULL;
