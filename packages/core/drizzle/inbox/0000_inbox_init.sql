CREATE SCHEMA IF NOT EXISTS "mailroom";
--> statement-breakpoint
CREATE TABLE "mailroom"."blobs" (
	"key" text PRIMARY KEY NOT NULL,
	"bytes" "bytea" NOT NULL,
	"size" integer NOT NULL,
	"sha256" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mailroom"."handler_effects" (
	"key" text PRIMARY KEY NOT NULL,
	"result" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mailroom"."inbound_emails" (
	"id" uuid PRIMARY KEY NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"mode" text NOT NULL,
	"content_type" text NOT NULL,
	"body_blob_key" text,
	"size" integer NOT NULL,
	"body_sha256" text NOT NULL,
	"dedupe_key" text NOT NULL,
	"message_id" text NOT NULL,
	"envelope_from" text,
	"envelope_to" text[] DEFAULT '{}'::text[] NOT NULL,
	"from_address" text,
	"subject" text DEFAULT '' NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"processed_at" timestamp with time zone,
	"route" text,
	"recipient" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone,
	"lease_owner" text,
	"lease_until" timestamp with time zone,
	"last_error" text,
	"note" text,
	"forced_route" text,
	"incinerated_at" timestamp with time zone,
	CONSTRAINT "inbound_emails_dedupe_key_unique" UNIQUE("dedupe_key"),
	CONSTRAINT "inbound_emails_status_check" CHECK ("status" in ('pending', 'processing', 'delivered', 'bounced', 'ignored', 'failed', 'unrouted')),
	CONSTRAINT "inbound_emails_mode_check" CHECK ("mode" in ('parsed', 'raw'))
);
--> statement-breakpoint
CREATE INDEX "inbound_emails_due_idx" ON "mailroom"."inbound_emails" USING btree ("next_attempt_at") WHERE "status" = 'pending';--> statement-breakpoint
CREATE INDEX "inbound_emails_lease_idx" ON "mailroom"."inbound_emails" USING btree ("lease_until") WHERE "status" = 'processing';--> statement-breakpoint
CREATE INDEX "inbound_emails_received_idx" ON "mailroom"."inbound_emails" USING btree ("received_at","id");--> statement-breakpoint
CREATE INDEX "inbound_emails_status_received_idx" ON "mailroom"."inbound_emails" USING btree ("status","received_at");--> statement-breakpoint
CREATE INDEX "inbound_emails_retention_idx" ON "mailroom"."inbound_emails" USING btree ("processed_at") WHERE "incinerated_at" is null;--> statement-breakpoint
CREATE INDEX "inbound_emails_message_id_idx" ON "mailroom"."inbound_emails" USING btree ("message_id");