CREATE SCHEMA IF NOT EXISTS "mailroom";
--> statement-breakpoint
CREATE TABLE "mailroom"."events" (
	"id" uuid PRIMARY KEY NOT NULL,
	"sg_event_id" text NOT NULL,
	"event" text NOT NULL,
	"email" text,
	"timestamp" timestamp with time zone,
	"sg_message_id" text,
	"provider_message_id" text,
	"outbound_message_id" uuid,
	"custom_args" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"payload" jsonb NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"lease_owner" text,
	"lease_until" timestamp with time zone,
	"last_error" text,
	"processed_at" timestamp with time zone,
	CONSTRAINT "events_sg_event_id_unique" UNIQUE("sg_event_id"),
	CONSTRAINT "events_status_check" CHECK ("status" in ('pending', 'processing', 'done', 'failed'))
);
--> statement-breakpoint
CREATE INDEX "events_due_idx" ON "mailroom"."events" USING btree ("next_attempt_at") WHERE "status" = 'pending';--> statement-breakpoint
CREATE INDEX "events_lease_idx" ON "mailroom"."events" USING btree ("lease_until") WHERE "status" = 'processing';--> statement-breakpoint
CREATE INDEX "events_outbound_idx" ON "mailroom"."events" USING btree ("outbound_message_id","timestamp");--> statement-breakpoint
CREATE INDEX "events_provider_idx" ON "mailroom"."events" USING btree ("provider_message_id","email");