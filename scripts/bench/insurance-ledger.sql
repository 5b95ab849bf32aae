-- pgbench: the ledger transaction of an approval as insurance runs it (ClaimDecisions.approve and
-- FundLedger.reserve), on the claim P<year>-<n> of the policy year :year. scripts/bench/insurance.sh
\set n random(1, :claims)
\set h :n % :households
BEGIN;
SELECT status, loss_fen, other_payments_fen, category FROM insurance.claims WHERE id = 'P' || :year || '-' || :n FOR UPDATE;
SELECT name, fund_fen, thresholds_bp FROM insurance.policy_years WHERE year = :year;
SELECT deductible_fen, ratio_bp, claim_cap_fen, year_cap_fen FROM insurance.line_rules WHERE year = :year AND line = 'medical';
INSERT INTO insurance.household_usage (year, household_id, line) VALUES (:year, 'B' || :h, 'medical') ON CONFLICT DO NOTHING;
SELECT committed_fen FROM insurance.household_usage WHERE year = :year AND household_id = 'B' || :h AND line = 'medical' FOR UPDATE;
UPDATE insurance.policy_years SET reserved_fen = reserved_fen + 100 WHERE year = :year AND reserved_fen + paid_fen + 100 <= fund_fen
  RETURNING fund_fen, reserved_fen + paid_fen, thresholds_bp;
UPDATE insurance.household_usage SET committed_fen = committed_fen + 100 WHERE year = :year AND household_id = 'B' || :h AND line = 'medical';
INSERT INTO insurance.ledger_entries (year, claim_id, household_id, town_code, line, kind, amount_fen, by_user)
  VALUES (:year, 'P' || :year || '-' || :n, 'B' || :h, '370115101', 'medical', 'reservation', 100, 'pgbench');
UPDATE insurance.claims SET status = 'approved', payout_fen = 100, reserved_fen = 100, breakdown = '[]', decided_by = 'pgbench', decided_at = now()
  WHERE id = 'P' || :year || '-' || :n;
INSERT INTO insurance.outbox (event_id, topic, partition_key, headers, payload)
  VALUES (gen_random_uuid()::text, 'insurance.claims', 'B' || :h, '{}', convert_to('{"claimId": "pgbench"}', 'UTF8'));
INSERT INTO insurance.audit_log (actor, role, region, action, subject, household_id, outcome, detail)
  VALUES ('pgbench', 'insurer', '370115', 'claim.approve', 'P' || :year || '-' || :n, 'B' || :h, 'done', '{}');
END;
