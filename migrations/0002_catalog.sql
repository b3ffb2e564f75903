CREATE TABLE "events" (
	"tenant_id" text NOT NULL,
	"event_id" text NOT NULL,
	"venue_id" text NOT NULL,
	"name" text NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"profile" jsonb NOT NULL,
	"version" integer NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "events_tenant_id_event_id_pk" PRIMARY KEY("tenant_id","event_id")
);
--> statement-breakpoint
CREATE TABLE "venues" (
	"tenant_id" text NOT NULL,
	"venue_id" text NOT NULL,
	"name" text NOT NULL,
	"profile" jsonb NOT NULL,
	"version" integer NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "venues_tenant_id_venue_id_pk" PRIMARY KEY("tenant_id","venue_id")
);
--> statement-breakpoint
CREATE INDEX "events_venue_idx" ON "events" USING btree ("tenant_id","venue_id");