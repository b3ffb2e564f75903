CREATE TABLE "ledger_entries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"transaction_id" text NOT NULL,
	"event_id" text NOT NULL,
	"account" text NOT NULL,
	"amount" bigint NOT NULL,
	"currency" varchar(3) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ledger_entries_currency_ck" CHECK ("ledger_entries"."currency" ~ '^[A-Z]{3}$'),
	CONSTRAINT "ledger_entries_amount_nonzero_ck" CHECK ("ledger_entries"."amount" <> 0)
);
--> statement-breakpoint
CREATE TABLE "outbox_dlq" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"queue" text NOT NULL,
	"message_id" text NOT NULL,
	"event_id" text,
	"event_type" text,
	"body" jsonb NOT NULL,
	"tenant_id" text,
	"attempts" integer,
	"last_error" text,
	"moved_to_dlq_at" timestamp with time zone DEFAULT now() NOT NULL,
	"requeued_at" timestamp with time zone,
	"requeue_count" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "payment_refunds" (
	"id" uuid PRIMARY KEY NOT NULL,
	"transaction_id" uuid NOT NULL,
	"tenant_id" text NOT NULL,
	"amount" bigint NOT NULL,
	"reason" text,
	"status" varchar(16) NOT NULL,
	"stripe_refund_id" varchar(255),
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"idempotency_key" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "payment_refunds_status_ck" CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
	CONSTRAINT "payment_refunds_amount_ck" CHECK ("payment_refunds"."amount" > 0)
);
--> statement-breakpoint
CREATE TABLE "payment_transactions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"venue_id" text NOT NULL,
	"user_id" text NOT NULL,
	"event_id" text NOT NULL,
	"amount" bigint NOT NULL,
	"currency" varchar(3) DEFAULT 'USD' NOT NULL,
	"status" varchar(24) NOT NULL,
	"platform_fee" bigint DEFAULT 0 NOT NULL,
	"venue_payout" bigint DEFAULT 0 NOT NULL,
	"gas_fee_paid" bigint,
	"tax_amount" bigint,
	"provider" varchar(32) DEFAULT 'stripe' NOT NULL,
	"stripe_payment_intent_id" varchar(255),
	"device_fingerprint" varchar(255),
	"payment_method_fingerprint" varchar(255),
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"idempotency_key" uuid NOT NULL,
	"version" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "payment_transactions_status_ck" CHECK (status IN ('pending', 'processing', 'completed', 'failed', 'refunded', 'partially_refunded', 'cancelled', 'expired')),
	CONSTRAINT "payment_transactions_amount_ck" CHECK ("payment_transactions"."amount" >= 0)
);
--> statement-breakpoint
CREATE TABLE "pipeline_heartbeats" (
	"source" text PRIMARY KEY NOT NULL,
	"last_seq" bigint NOT NULL,
	"last_beat_at" timestamp with time zone NOT NULL,
	"beats_recorded" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "processed_events" (
	"event_id" text PRIMARY KEY NOT NULL,
	"event_type" text NOT NULL,
	"source" text NOT NULL,
	"processed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_inbox" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"webhook_id" varchar(255) NOT NULL,
	"provider" varchar(32) NOT NULL,
	"event_type" varchar(128) NOT NULL,
	"payload" jsonb NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"processed_at" timestamp with time zone,
	"status" varchar(16) DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"error_message" text,
	"tenant_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "webhook_inbox_status_ck" CHECK ("webhook_inbox"."status" IN ('pending', 'processing', 'processed', 'failed'))
);
--> statement-breakpoint
ALTER TABLE "payment_refunds" ADD CONSTRAINT "payment_refunds_transaction_id_payment_transactions_id_fk" FOREIGN KEY ("transaction_id") REFERENCES "public"."payment_transactions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ledger_entries_transaction_idx" ON "ledger_entries" USING btree ("transaction_id","currency");--> statement-breakpoint
CREATE INDEX "ledger_entries_account_idx" ON "ledger_entries" USING btree ("account","created_at");--> statement-breakpoint
CREATE INDEX "ledger_entries_event_idx" ON "ledger_entries" USING btree ("event_id");--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_dlq_queue_message_uq" ON "outbox_dlq" USING btree ("queue","message_id");--> statement-breakpoint
CREATE INDEX "outbox_dlq_tenant_idx" ON "outbox_dlq" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX "outbox_dlq_pending_idx" ON "outbox_dlq" USING btree ("moved_to_dlq_at") WHERE "outbox_dlq"."requeued_at" IS NULL;--> statement-breakpoint
CREATE INDEX "payment_refunds_transaction_idx" ON "payment_refunds" USING btree ("transaction_id");--> statement-breakpoint
CREATE UNIQUE INDEX "payment_refunds_idempotency_uq" ON "payment_refunds" USING btree ("tenant_id","idempotency_key");--> statement-breakpoint
CREATE UNIQUE INDEX "payment_transactions_stripe_pi_uq" ON "payment_transactions" USING btree ("stripe_payment_intent_id");--> statement-breakpoint
CREATE UNIQUE INDEX "payment_transactions_idempotency_uq" ON "payment_transactions" USING btree ("tenant_id","user_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "payment_transactions_user_idx" ON "payment_transactions" USING btree ("tenant_id","user_id");--> statement-breakpoint
CREATE INDEX "payment_transactions_venue_idx" ON "payment_transactions" USING btree ("tenant_id","venue_id");--> statement-breakpoint
CREATE INDEX "payment_transactions_event_idx" ON "payment_transactions" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "payment_transactions_status_idx" ON "payment_transactions" USING btree ("status");--> statement-breakpoint
CREATE INDEX "payment_transactions_device_idx" ON "payment_transactions" USING btree ("device_fingerprint");--> statement-breakpoint
CREATE INDEX "payment_transactions_created_idx" ON "payment_transactions" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "processed_events_processed_at_idx" ON "processed_events" USING btree ("processed_at");--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_inbox_provider_webhook_uq" ON "webhook_inbox" USING btree ("provider","webhook_id");--> statement-breakpoint
CREATE INDEX "webhook_inbox_status_idx" ON "webhook_inbox" USING btree ("status");--> statement-breakpoint
CREATE INDEX "webhook_inbox_received_at_idx" ON "webhook_inbox" USING btree ("received_at");--> statement-breakpoint
CREATE INDEX "webhook_inbox_tenant_idx" ON "webhook_inbox" USING btree ("tenant_id");