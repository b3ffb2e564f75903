CREATE TABLE "recovery_notifications" (
	"id" text PRIMARY KEY NOT NULL,
	"transaction_id" uuid NOT NULL,
	"tenant_id" text NOT NULL,
	"reminder_seq" integer NOT NULL,
	"channel" varchar(8) NOT NULL,
	"status" varchar(16) NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"provider_message_id" varchar(255),
	"last_error" text,
	"sent_at" timestamp with time zone,
	"version" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "recovery_notifications_channel_ck" CHECK (channel IN ('email', 'sms')),
	CONSTRAINT "recovery_notifications_status_ck" CHECK (status IN ('queued', 'retrying', 'sent', 'failed', 'skipped', 'cancelled'))
);
--> statement-breakpoint
CREATE TABLE "recovery_transactions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"amount" bigint NOT NULL,
	"currency" varchar(3) NOT NULL,
	"description" text NOT NULL,
	"failure_reason" text,
	"customer_email" varchar(254),
	"customer_phone" varchar(16),
	"recovery_status" varchar(16) NOT NULL,
	"stripe_payment_intent_id" varchar(255),
	"stripe_checkout_session_id" varchar(255),
	"stripe_customer_id" varchar(255),
	"checkout_session_ref" text,
	"checkout_url" text,
	"checkout_expires_at" timestamp with time zone,
	"checkout_status" varchar(24),
	"payment_link_id" varchar(255),
	"payment_link_url" text,
	"amount_paid" bigint DEFAULT 0 NOT NULL,
	"payment_attempts" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"completed_at" timestamp with time zone,
	"version" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "recovery_transactions_status_ck" CHECK (recovery_status IN ('pending', 'link_sent', 'completed', 'expired')),
	CONSTRAINT "recovery_transactions_amount_ck" CHECK ("recovery_transactions"."amount" > 0 AND "recovery_transactions"."amount_paid" >= 0)
);
--> statement-breakpoint
CREATE INDEX "recovery_notifications_transaction_idx" ON "recovery_notifications" USING btree ("transaction_id","reminder_seq");--> statement-breakpoint
CREATE INDEX "recovery_notifications_status_idx" ON "recovery_notifications" USING btree ("status","updated_at");--> statement-breakpoint
CREATE INDEX "recovery_transactions_tenant_idx" ON "recovery_transactions" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX "recovery_transactions_status_idx" ON "recovery_transactions" USING btree ("recovery_status","updated_at");--> statement-breakpoint
CREATE INDEX "recovery_transactions_stripe_pi_idx" ON "recovery_transactions" USING btree ("stripe_payment_intent_id");--> statement-breakpoint
CREATE INDEX "recovery_transactions_stripe_cs_idx" ON "recovery_transactions" USING btree ("stripe_checkout_session_id");--> statement-breakpoint
CREATE INDEX "recovery_transactions_stripe_customer_idx" ON "recovery_transactions" USING btree ("stripe_customer_id");