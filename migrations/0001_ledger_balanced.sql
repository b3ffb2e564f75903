-- Every ledger transaction balances: for each (transaction_id, currency) the signed amounts sum to zero.
-- Checked at commit (deferred), so a transaction may insert its legs in any order.
CREATE OR REPLACE FUNCTION ledger_entries_assert_balanced() RETURNS trigger AS $$
DECLARE
  imbalance BIGINT;
BEGIN
  SELECT COALESCE(SUM(amount), 0) INTO imbalance
    FROM ledger_entries
   WHERE transaction_id = NEW.transaction_id AND currency = NEW.currency;
  IF imbalance <> 0 THEN
    RAISE EXCEPTION 'ledger transaction % (%) does not balance: off by %', NEW.transaction_id, NEW.currency, imbalance
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER ledger_entries_balanced
  AFTER INSERT OR UPDATE ON ledger_entries
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION ledger_entries_assert_balanced();
--> statement-breakpoint
-- Ledger rows are facts: corrections are new, balancing entries, never edits.
CREATE OR REPLACE FUNCTION ledger_entries_forbid_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'ledger_entries is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER ledger_entries_append_only
  BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION ledger_entries_forbid_change();
