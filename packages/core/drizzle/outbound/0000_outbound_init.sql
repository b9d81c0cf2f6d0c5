CREATE SCHEMA IF NOT EXISTS "mailroom";
--> statement-breakpoint
CREATE TABLE "mailroom"."auto_reply_log" (
	"id" uuid PRIMARY KEY NOT NULL,
	"recipient" text NOT NULL,
	"sent_at" timestamp with time zone DEFAULT now() NOT NULL,
	"scope" text,
	"outbound_message_id" uuid
);
--> statement-breakpoint
CREATE TABLE "mailroom"."outbound_messages" (
	"id" uuid PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"from" jsonb NOT NULL,
	"to" jsonb NOT NULL,
	"cc" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"bcc" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"reply_to" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"recipients" text[] NOT NULL,
	"subject" text NOT NULL,
	"text" text,
	"html" text,
	"headers" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"attachments" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"custom_args" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"categories" text[] DEFAULT '{}'::text[] NOT NULL,
	"message_id" text NOT NULL,
	"in_reply_to" text,
	"references" text[] DEFAULT '{}'::text[] NOT NULL,
	"batch_key" text,
	"transport" text,
	"provider_message_id" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"lease_owner" text,
	"lease_until" timestamp with time zone,
	"last_error" text,
	"sent_at" timestamp with time zone,
	CONSTRAINT "outbound_messages_status_check" CHECK ("status" in ('queued', 'sending', 'sent', 'failed'))
);
--> statement-breakpoint
CREATE INDEX "auto_reply_log_recipient_idx" ON "mailroom"."auto_reply_log" USING btree ("recipient","sent_at");--> statement-breakpoint
CREATE INDEX "outbound_messages_due_idx" ON "mailroom"."outbound_messages" USING btree ("next_attempt_at") WHERE "status" = 'queued';--> statement-breakpoint
CREATE INDEX "outbound_messages_lease_idx" ON "mailroom"."outbound_messages" USING btree ("lease_until") WHERE "status" = 'sending';--> statement-breakpoint
CREATE INDEX "outbound_messages_created_idx" ON "mailroom"."outbound_messages" USING btree ("created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "outbound_messages_provider_idx" ON "mailroom"."outbound_messages" USING btree ("provider_message_id");--> statement-breakpoint
CREATE INDEX "outbound_messages_message_id_idx" ON "mailroom"."outbound_messages" USING btree ("message_id");