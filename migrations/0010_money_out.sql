CREATE TABLE "payment_escrows" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"listing_id" text NOT NULL,
	"ticket_id" text NOT NULL,
	"event_id" text NOT NULL,
	"venue_id" text NOT NULL,
	"buyer_id" text NOT NULL,
	"seller_id" text NOT NULL,
	"amount" bigint NOT NULL,
	"seller_payout" bigint NOT NULL,
	"venue_royalty" bigint NOT NULL,
	"platform_fee" bigint NOT NULL,
	"cost_basis" bigint NOT NULL,
	"currency" varchar(3) NOT NULL,
	"stripe_payment_intent_id" text,
	"transfer_group" text NOT NULL,
	"seller_payout_method" varchar(16),
	"seller_transfer_id" text,
	"status" varchar(16) NOT NULL,
	"release_conditions" jsonb NOT NULL,
	"version" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"funded_at" timestamp with time zone,
	"released_at" timestamp with time zone,
	"refunded_at" timestamp with time zone,
	"disputed_at" timestamp with time zone,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "payment_escrows_status_ck" CHECK (status IN ('created', 'funded', 'released', 'refunded', 'disputed', 'cancelled')),
	CONSTRAINT "payment_escrows_split_ck" CHECK ("payment_escrows"."seller_payout" + "payment_escrows"."venue_royalty" + "payment_escrows"."platform_fee" = "payment_escrows"."amount")
);
--> statement-breakpoint
CREATE TABLE "resale_listings" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"ticket_id" text NOT NULL,
	"event_id" text NOT NULL,
	"venue_id" text NOT NULL,
	"seller_id" text NOT NULL,
	"price" bigint NOT NULL,
	"original_price" bigint NOT NULL,
	"currency" varchar(3) NOT NULL,
	"status" varchar(16) NOT NULL,
	"suspicious" boolean DEFAULT false NOT NULL,
	"flags" text[] NOT NULL,
	"version" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "resale_listings_status_ck" CHECK (status IN ('active', 'reserved', 'sold', 'cancelled'))
);
--> statement-breakpoint
CREATE TABLE "royalty_distributions" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"transaction_id" text NOT NULL,
	"event_id" text NOT NULL,
	"venue_id" text NOT NULL,
	"recipient_type" varchar(16) NOT NULL,
	"recipient_id" text NOT NULL,
	"amount" bigint NOT NULL,
	"percentage" numeric(7, 2) NOT NULL,
	"currency" varchar(3) NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "royalty_distributions_recipient_uq" UNIQUE("transaction_id","recipient_type"),
	CONSTRAINT "royalty_distributions_type_ck" CHECK (recipient_type IN ('venue', 'artist', 'platform', 'seller'))
);
--> statement-breakpoint
CREATE TABLE "tax_forms_1099da" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"user_id" text NOT NULL,
	"tax_year" integer NOT NULL,
	"form_data" jsonb NOT NULL,
	"total_proceeds" bigint NOT NULL,
	"total_cost_basis" bigint NOT NULL,
	"transaction_count" integer NOT NULL,
	"status" varchar(16) DEFAULT 'generated' NOT NULL,
	"generated_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone,
	CONSTRAINT "tax_forms_1099da_user_year_uq" UNIQUE("tenant_id","user_id","tax_year")
);
--> statement-breakpoint
CREATE TABLE "tax_profiles" (
	"tenant_id" text NOT NULL,
	"user_id" text NOT NULL,
	"name" text NOT NULL,
	"address" jsonb NOT NULL,
	"tin_ciphertext" text NOT NULL,
	"tin_last4" varchar(4) NOT NULL,
	"version" integer NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "tax_profiles_tenant_id_user_id_pk" PRIMARY KEY("tenant_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "venue_payouts" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"venue_id" text NOT NULL,
	"amount" bigint NOT NULL,
	"fee" bigint NOT NULL,
	"net_amount" bigint NOT NULL,
	"currency" varchar(3) NOT NULL,
	"type" varchar(16) NOT NULL,
	"status" varchar(16) NOT NULL,
	"stripe_payout_id" text,
	"failure_code" text,
	"failure_message" text,
	"requested_by" text NOT NULL,
	"estimated_arrival" text NOT NULL,
	"version" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"paid_at" timestamp with time zone,
	"failed_at" timestamp with time zone,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "venue_payouts_type_ck" CHECK (type IN ('standard', 'instant')),
	CONSTRAINT "venue_payouts_status_ck" CHECK (status IN ('pending', 'in_transit', 'paid', 'failed')),
	CONSTRAINT "venue_payouts_amounts_ck" CHECK ("venue_payouts"."amount" = "venue_payouts"."fee" + "venue_payouts"."net_amount" AND "venue_payouts"."fee" >= 0)
);
--> statement-breakpoint
CREATE INDEX "payment_escrows_listing_idx" ON "payment_escrows" USING btree ("listing_id");--> statement-breakpoint
CREATE INDEX "payment_escrows_seller_idx" ON "payment_escrows" USING btree ("tenant_id","seller_id","status","released_at");--> statement-breakpoint
CREATE INDEX "payment_escrows_venue_idx" ON "payment_escrows" USING btree ("tenant_id","venue_id","released_at");--> statement-breakpoint
CREATE INDEX "resale_listings_event_idx" ON "resale_listings" USING btree ("tenant_id","event_id","status","price");--> statement-breakpoint
CREATE INDEX "resale_listings_seller_idx" ON "resale_listings" USING btree ("tenant_id","seller_id","created_at");--> statement-breakpoint
CREATE INDEX "royalty_distributions_venue_idx" ON "royalty_distributions" USING btree ("tenant_id","venue_id","recipient_type","created_at");--> statement-breakpoint
CREATE INDEX "venue_payouts_venue_idx" ON "venue_payouts" USING btree ("tenant_id","venue_id","created_at");