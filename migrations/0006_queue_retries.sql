CREATE TABLE "queue_retries" (
	"queue" text NOT NULL,
	"message_key" text NOT NULL,
	"event_type" text,
	"attempts" integer NOT NULL,
	"last_error" text,
	"first_failed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_failed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "queue_retries_queue_message_key_pk" PRIMARY KEY("queue","message_key")
);
