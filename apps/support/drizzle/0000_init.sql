CREATE SCHEMA IF NOT EXISTS "support";
--> statement-breakpoint
CREATE TABLE "support"."address_status" (
	"address" text PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"reason" text DEFAULT '' NOT NULL,
	"ticket_number" integer,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "support"."agents" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "support"."agents_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"email" text NOT NULL,
	"name" text NOT NULL,
	"password_hash" text NOT NULL,
	"api_token_hash" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "support"."attachments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"message_id" uuid NOT NULL,
	"filename" text NOT NULL,
	"content_type" text NOT NULL,
	"size" bigint NOT NULL,
	"content_id" text,
	"inline" boolean DEFAULT false NOT NULL,
	"sha256" text NOT NULL,
	"blob_key" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "support"."messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"ticket_number" integer NOT NULL,
	"direction" text NOT NULL,
	"kind" text NOT NULL,
	"author_address" text DEFAULT '' NOT NULL,
	"author_name" text DEFAULT '' NOT NULL,
	"agent_id" integer,
	"body_text" text DEFAULT '' NOT NULL,
	"full_text" text,
	"full_html" text,
	"subject" text DEFAULT '' NOT NULL,
	"inbound_id" text,
	"message_id" text,
	"outbound_id" text,
	"recipients" text[] DEFAULT '{}'::text[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "support"."participants" (
	"ticket_number" integer NOT NULL,
	"address" text NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"role" text NOT NULL,
	"added_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "participants_ticket_number_address_pk" PRIMARY KEY("ticket_number","address")
);
--> statement-breakpoint
CREATE TABLE "support"."sender_log" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "support"."sender_log_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"address" text NOT NULL,
	"ticket_number" integer,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "support"."sessions" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"agent_id" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "support"."tickets" (
	"number" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "support"."tickets_number_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1000 CACHE 1),
	"queue" text NOT NULL,
	"support_address" text NOT NULL,
	"subject" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"requester_address" text NOT NULL,
	"requester_name" text DEFAULT '' NOT NULL,
	"assignee_id" integer,
	"linked_ticket" integer,
	"throttled" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"closed_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "support"."attachments" ADD CONSTRAINT "attachments_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "support"."messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "support"."messages" ADD CONSTRAINT "messages_ticket_number_tickets_number_fk" FOREIGN KEY ("ticket_number") REFERENCES "support"."tickets"("number") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "support"."messages" ADD CONSTRAINT "messages_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "support"."agents"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "support"."participants" ADD CONSTRAINT "participants_ticket_number_tickets_number_fk" FOREIGN KEY ("ticket_number") REFERENCES "support"."tickets"("number") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "support"."sessions" ADD CONSTRAINT "sessions_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "support"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "support"."tickets" ADD CONSTRAINT "tickets_assignee_id_agents_id_fk" FOREIGN KEY ("assignee_id") REFERENCES "support"."agents"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "agents_email_key" ON "support"."agents" USING btree ("email");--> statement-breakpoint
CREATE INDEX "attachments_message_idx" ON "support"."attachments" USING btree ("message_id");--> statement-breakpoint
CREATE INDEX "messages_ticket_idx" ON "support"."messages" USING btree ("ticket_number","created_at");--> statement-breakpoint
CREATE INDEX "messages_message_id_idx" ON "support"."messages" USING btree ("message_id");--> statement-breakpoint
CREATE UNIQUE INDEX "messages_inbound_ticket_key" ON "support"."messages" USING btree ("inbound_id","ticket_number");--> statement-breakpoint
CREATE INDEX "participants_address_idx" ON "support"."participants" USING btree ("address");--> statement-breakpoint
CREATE INDEX "sender_log_address_at_idx" ON "support"."sender_log" USING btree ("address","at");--> statement-breakpoint
CREATE INDEX "tickets_status_idx" ON "support"."tickets" USING btree ("status","updated_at");--> statement-breakpoint
CREATE INDEX "tickets_requester_idx" ON "support"."tickets" USING btree ("requester_address");