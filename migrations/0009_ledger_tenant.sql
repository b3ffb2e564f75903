ALTER TABLE "ledger_entries" ADD COLUMN "tenant_id" text;--> statement-breakpoint
CREATE INDEX "ledger_entries_tenant_account_idx" ON "ledger_entries" USING btree ("tenant_id","account");