CREATE TABLE "checkout_refunds" (
	"id" text PRIMARY KEY NOT NULL,
	"session_id" text NOT NULL,
	"tenant_id" text NOT NULL,
	"amount" bigint NOT NULL,
	"status" varchar(16) NOT NULL,
	"provider_refund_id" varchar(255),
	"version" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "checkout_refunds_status_ck" CHECK (status IN ('pending', 'succeeded', 'failed')),
	CONSTRAINT "checkout_refunds_amount_ck" CHECK ("checkout_refunds"."amount" > 0)
);
--> statement-breakpoint
CREATE TABLE "checkout_sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"provider" varchar(16) NOT NULL,
	"provider_session_id" varchar(255) NOT NULL,
	"merchant_account" text NOT NULL,
	"merchant_id" text,
	"purpose" varchar(24) NOT NULL,
	"amount" bigint NOT NULL,
	"currency" varchar(3) NOT NULL,
	"status" varchar(24) NOT NULL,
	"amount_paid" bigint DEFAULT 0 NOT NULL,
	"amount_refunded" bigint DEFAULT 0 NOT NULL,
	"payment_reference" varchar(255),
	"checkout_url" text NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"expires_at" timestamp with time zone,
	"paid_at" timestamp with time zone,
	"version" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "checkout_sessions_provider_ck" CHECK (provider IN ('stripe', 'adyen', 'square', 'mercadopago', 'paypal', 'tilopay', 'qpay')),
	CONSTRAINT "checkout_sessions_status_ck" CHECK (status IN ('open', 'processing', 'succeeded', 'failed', 'expired', 'canceled', 'refunded', 'partially_refunded')),
	CONSTRAINT "checkout_sessions_amounts_ck" CHECK ("checkout_sessions"."amount" > 0 AND "checkout_sessions"."amount_refunded" >= 0 AND "checkout_sessions"."amount_refunded" <= "checkout_sessions"."amount_paid")
);
--> statement-breakpoint
ALTER TABLE "checkout_refunds" ADD CONSTRAINT "checkout_refunds_session_id_checkout_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."checkout_sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "checkout_refunds_session_idx" ON "checkout_refunds" USING btree ("session_id");--> statement-breakpoint
CREATE UNIQUE INDEX "checkout_sessions_provider_uq" ON "checkout_sessions" USING btree ("provider","provider_session_id");--> statement-breakpoint
CREATE INDEX "checkout_sessions_tenant_idx" ON "checkout_sessions" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX "checkout_sessions_status_idx" ON "checkout_sessions" USING btree ("status","updated_at");