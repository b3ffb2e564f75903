CREATE TABLE "nft_mint_queue" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"payment_id" uuid NOT NULL,
	"ticket_ids" text[] NOT NULL,
	"venue_id" text NOT NULL,
	"event_id" text NOT NULL,
	"blockchain" varchar(16) NOT NULL,
	"status" varchar(16) NOT NULL,
	"priority" varchar(16) NOT NULL,
	"transaction_hash" text,
	"gas_fee_paid" numeric(78, 0),
	"mint_batch_id" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"error_message" text,
	"created_at" timestamp with time zone NOT NULL,
	"processed_at" timestamp with time zone,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "nft_mint_queue_status_ck" CHECK (status IN ('queued', 'minting', 'completed', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "tickets" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"event_id" text NOT NULL,
	"venue_id" text NOT NULL,
	"ticket_type_id" text NOT NULL,
	"seat" text,
	"face_value" integer NOT NULL,
	"currency" varchar(3) NOT NULL,
	"owner_id" text NOT NULL,
	"transaction_id" uuid NOT NULL,
	"job_id" text NOT NULL,
	"priority" varchar(16) NOT NULL,
	"status" varchar(16) NOT NULL,
	"chain" varchar(16),
	"contract" text,
	"token_id" text,
	"owner_address" text,
	"nft_status" varchar(16),
	"mint_batch_id" text,
	"transaction_hash" text,
	"gas_paid" numeric(78, 0),
	"mint_attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"burned" boolean DEFAULT false NOT NULL,
	"version" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "tickets_status_ck" CHECK (status IN ('valid', 'listed', 'transferred', 'void')),
	CONSTRAINT "tickets_nft_status_ck" CHECK (nft_status IS NULL OR nft_status IN ('queued', 'minting', 'minted', 'failed'))
);
--> statement-breakpoint
CREATE INDEX "nft_mint_queue_status_idx" ON "nft_mint_queue" USING btree ("tenant_id","status","created_at");--> statement-breakpoint
CREATE INDEX "tickets_owner_idx" ON "tickets" USING btree ("tenant_id","owner_id");--> statement-breakpoint
CREATE INDEX "tickets_job_idx" ON "tickets" USING btree ("job_id");--> statement-breakpoint
CREATE INDEX "tickets_nft_status_idx" ON "tickets" USING btree ("tenant_id","nft_status");