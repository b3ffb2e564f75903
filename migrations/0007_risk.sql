CREATE TABLE "bot_detections" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"user_id" text,
	"session_id" varchar(64) NOT NULL,
	"is_bot" boolean NOT NULL,
	"confidence" numeric(3, 2) NOT NULL,
	"indicators" text[] NOT NULL,
	"user_agent" text,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "device_activity" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"device_fingerprint" varchar(256) NOT NULL,
	"user_id" text NOT NULL,
	"activity_type" varchar(32) NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"timestamp" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "fraud_checks" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"transaction_id" uuid NOT NULL,
	"user_id" text NOT NULL,
	"event_id" text NOT NULL,
	"device_fingerprint" varchar(256),
	"ip_address" text,
	"score" numeric(3, 2) NOT NULL,
	"signals" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"decision" varchar(16) NOT NULL,
	"refused_by" varchar(32),
	"outcome" varchar(16),
	"resolved_by" text,
	"resolved_at" timestamp with time zone,
	"timestamp" timestamp with time zone NOT NULL,
	CONSTRAINT "fraud_checks_decision_ck" CHECK (decision IN ('approve', 'review', 'challenge', 'decline')),
	CONSTRAINT "fraud_checks_outcome_ck" CHECK (outcome IS NULL OR outcome IN ('legitimate', 'fraudulent')),
	CONSTRAINT "fraud_checks_score_ck" CHECK ("fraud_checks"."score" >= 0 AND "fraud_checks"."score" <= 1)
);
--> statement-breakpoint
CREATE TABLE "known_scalpers" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"user_id" text,
	"device_fingerprint" varchar(256),
	"reason" text NOT NULL,
	"confidence_score" numeric(3, 2) NOT NULL,
	"active" boolean NOT NULL,
	"added_by" text,
	"added_at" timestamp with time zone NOT NULL,
	"removed_at" timestamp with time zone,
	CONSTRAINT "known_scalpers_subject_ck" CHECK ("known_scalpers"."user_id" IS NOT NULL OR "known_scalpers"."device_fingerprint" IS NOT NULL)
);
--> statement-breakpoint
CREATE TABLE "waiting_room_activity" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"event_id" text NOT NULL,
	"user_id" text NOT NULL,
	"action" varchar(16) NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"timestamp" timestamp with time zone NOT NULL,
	CONSTRAINT "waiting_room_activity_action_ck" CHECK (action IN ('joined', 'admitted', 'left', 'abandoned', 'revoked', 'expired', 'purchased'))
);
--> statement-breakpoint
CREATE INDEX "bot_detections_user_idx" ON "bot_detections" USING btree ("tenant_id","user_id");--> statement-breakpoint
CREATE INDEX "bot_detections_bot_idx" ON "bot_detections" USING btree ("tenant_id","is_bot","created_at");--> statement-breakpoint
CREATE INDEX "device_activity_device_idx" ON "device_activity" USING btree ("tenant_id","device_fingerprint","timestamp");--> statement-breakpoint
CREATE INDEX "fraud_checks_decision_idx" ON "fraud_checks" USING btree ("tenant_id","decision","timestamp");--> statement-breakpoint
CREATE INDEX "fraud_checks_user_idx" ON "fraud_checks" USING btree ("tenant_id","user_id");--> statement-breakpoint
CREATE INDEX "fraud_checks_device_idx" ON "fraud_checks" USING btree ("device_fingerprint");--> statement-breakpoint
CREATE INDEX "known_scalpers_user_idx" ON "known_scalpers" USING btree ("tenant_id","user_id");--> statement-breakpoint
CREATE INDEX "known_scalpers_device_idx" ON "known_scalpers" USING btree ("tenant_id","device_fingerprint");--> statement-breakpoint
CREATE INDEX "waiting_room_activity_event_idx" ON "waiting_room_activity" USING btree ("tenant_id","event_id","timestamp");