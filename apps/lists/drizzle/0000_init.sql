CREATE SCHEMA "lists";
--> statement-breakpoint
CREATE TABLE "lists"."distributions" (
	"message_id" text PRIMARY KEY NOT NULL,
	"list_id" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"cursor" text DEFAULT '' NOT NULL,
	"queued" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "lists"."lists" (
	"id" text PRIMARY KEY NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"policy" text DEFAULT 'members' NOT NULL,
	"archive" text DEFAULT 'public' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "lists_policy_check" CHECK ("lists"."lists"."policy" in ('members', 'moderated', 'announce')),
	CONSTRAINT "lists_archive_check" CHECK ("lists"."lists"."archive" in ('public', 'members'))
);
--> statement-breakpoint
CREATE TABLE "lists"."member_events" (
	"id" serial PRIMARY KEY NOT NULL,
	"list_id" text NOT NULL,
	"member_id" text,
	"address" text NOT NULL,
	"kind" text NOT NULL,
	"detail" text DEFAULT '' NOT NULL,
	"inbound_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "lists"."members" (
	"id" text PRIMARY KEY NOT NULL,
	"list_id" text NOT NULL,
	"address" text NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"role" text DEFAULT 'member' NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"bounce_score" integer DEFAULT 0 NOT NULL,
	"last_bounce_at" timestamp with time zone,
	"confirmation_token_hash" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "members_role_check" CHECK ("lists"."members"."role" in ('member', 'moderator', 'owner')),
	CONSTRAINT "members_status_check" CHECK ("lists"."members"."status" in ('active', 'pending', 'suspended', 'unsubscribed'))
);
--> statement-breakpoint
CREATE TABLE "lists"."messages" (
	"id" text PRIMARY KEY NOT NULL,
	"thread_id" text NOT NULL,
	"list_id" text NOT NULL,
	"author_address" text NOT NULL,
	"author_name" text DEFAULT '' NOT NULL,
	"subject" text NOT NULL,
	"new_text" text NOT NULL,
	"full_text" text,
	"full_html" text,
	"inbound_id" text,
	"source_message_id" text,
	"message_id" text NOT NULL,
	"in_reply_to" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "lists"."moderation" (
	"id" text PRIMARY KEY NOT NULL,
	"list_id" text NOT NULL,
	"inbound_id" text,
	"sender" text NOT NULL,
	"subject" text NOT NULL,
	"reason" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"submission" jsonb NOT NULL,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"message_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "moderation_status_check" CHECK ("lists"."moderation"."status" in ('pending', 'approved', 'rejected'))
);
--> statement-breakpoint
CREATE TABLE "lists"."threads" (
	"id" text PRIMARY KEY NOT NULL,
	"list_id" text NOT NULL,
	"subject" text NOT NULL,
	"message_count" integer DEFAULT 0 NOT NULL,
	"last_post_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "lists"."distributions" ADD CONSTRAINT "distributions_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "lists"."messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lists"."distributions" ADD CONSTRAINT "distributions_list_id_lists_id_fk" FOREIGN KEY ("list_id") REFERENCES "lists"."lists"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lists"."member_events" ADD CONSTRAINT "member_events_list_id_lists_id_fk" FOREIGN KEY ("list_id") REFERENCES "lists"."lists"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lists"."member_events" ADD CONSTRAINT "member_events_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "lists"."members"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lists"."members" ADD CONSTRAINT "members_list_id_lists_id_fk" FOREIGN KEY ("list_id") REFERENCES "lists"."lists"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lists"."messages" ADD CONSTRAINT "messages_thread_id_threads_id_fk" FOREIGN KEY ("thread_id") REFERENCES "lists"."threads"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lists"."messages" ADD CONSTRAINT "messages_list_id_lists_id_fk" FOREIGN KEY ("list_id") REFERENCES "lists"."lists"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lists"."moderation" ADD CONSTRAINT "moderation_list_id_lists_id_fk" FOREIGN KEY ("list_id") REFERENCES "lists"."lists"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lists"."threads" ADD CONSTRAINT "threads_list_id_lists_id_fk" FOREIGN KEY ("list_id") REFERENCES "lists"."lists"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "distributions_pending_idx" ON "lists"."distributions" USING btree ("created_at") WHERE "lists"."distributions"."status" = 'pending';--> statement-breakpoint
CREATE UNIQUE INDEX "lists_slug_idx" ON "lists"."lists" USING btree ("slug");--> statement-breakpoint
CREATE INDEX "member_events_list_idx" ON "lists"."member_events" USING btree ("list_id","created_at");--> statement-breakpoint
CREATE INDEX "member_events_member_idx" ON "lists"."member_events" USING btree ("member_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "members_list_address_idx" ON "lists"."members" USING btree ("list_id","address");--> statement-breakpoint
CREATE INDEX "members_list_status_idx" ON "lists"."members" USING btree ("list_id","status","id");--> statement-breakpoint
CREATE INDEX "messages_thread_idx" ON "lists"."messages" USING btree ("thread_id","created_at");--> statement-breakpoint
CREATE INDEX "messages_message_id_idx" ON "lists"."messages" USING btree ("message_id");--> statement-breakpoint
CREATE UNIQUE INDEX "messages_source_idx" ON "lists"."messages" USING btree ("list_id","source_message_id");--> statement-breakpoint
CREATE INDEX "moderation_list_status_idx" ON "lists"."moderation" USING btree ("list_id","status","created_at");--> statement-breakpoint
CREATE INDEX "threads_list_last_idx" ON "lists"."threads" USING btree ("list_id","last_post_at" DESC NULLS LAST);