CREATE SCHEMA "blog";
--> statement-breakpoint
CREATE TABLE "blog"."authors" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "blog"."authors_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"email" text NOT NULL,
	"name" text NOT NULL,
	"password_hash" text NOT NULL,
	"posting_token" text NOT NULL,
	"posting_token_hash" text NOT NULL,
	"revoked" boolean DEFAULT false NOT NULL,
	"is_admin" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "blog"."downloads" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "blog"."downloads_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"post_id" integer NOT NULL,
	"position" integer NOT NULL,
	"filename" text NOT NULL,
	"content_type" text NOT NULL,
	"size" integer NOT NULL,
	"blob_key" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "blog"."images" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "blog"."images_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"post_id" integer NOT NULL,
	"position" integer NOT NULL,
	"placed" boolean NOT NULL,
	"run" integer DEFAULT 0 NOT NULL,
	"renditions" jsonb NOT NULL,
	"width" integer NOT NULL,
	"height" integer NOT NULL,
	"filename" text NOT NULL,
	"alt" text DEFAULT '' NOT NULL,
	"sha256" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "blog"."posts" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "blog"."posts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"author_id" integer NOT NULL,
	"title" text NOT NULL,
	"slug" text NOT NULL,
	"html" text NOT NULL,
	"source" text NOT NULL,
	"source_format" text NOT NULL,
	"status" text NOT NULL,
	"publish_at" timestamp with time zone,
	"draft_reason" text,
	"category" text,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"excerpt" text,
	"comments" boolean DEFAULT true NOT NULL,
	"inbound_email_id" text,
	"source_message_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "blog"."retired_tokens" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"author_id" integer NOT NULL,
	"retired_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "blog"."sessions" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"author_id" integer NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "blog"."downloads" ADD CONSTRAINT "downloads_post_id_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "blog"."posts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "blog"."images" ADD CONSTRAINT "images_post_id_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "blog"."posts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "blog"."posts" ADD CONSTRAINT "posts_author_id_authors_id_fk" FOREIGN KEY ("author_id") REFERENCES "blog"."authors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "blog"."retired_tokens" ADD CONSTRAINT "retired_tokens_author_id_authors_id_fk" FOREIGN KEY ("author_id") REFERENCES "blog"."authors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "blog"."sessions" ADD CONSTRAINT "sessions_author_id_authors_id_fk" FOREIGN KEY ("author_id") REFERENCES "blog"."authors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "authors_email_key" ON "blog"."authors" USING btree ("email");--> statement-breakpoint
CREATE UNIQUE INDEX "authors_posting_token_hash_key" ON "blog"."authors" USING btree ("posting_token_hash");--> statement-breakpoint
CREATE INDEX "downloads_post_idx" ON "blog"."downloads" USING btree ("post_id","position");--> statement-breakpoint
CREATE INDEX "images_post_idx" ON "blog"."images" USING btree ("post_id","position");--> statement-breakpoint
CREATE UNIQUE INDEX "posts_slug_key" ON "blog"."posts" USING btree ("slug");--> statement-breakpoint
CREATE UNIQUE INDEX "posts_author_message_key" ON "blog"."posts" USING btree ("author_id","source_message_id");--> statement-breakpoint
CREATE INDEX "posts_public_idx" ON "blog"."posts" USING btree ("status","publish_at");--> statement-breakpoint
CREATE INDEX "posts_category_idx" ON "blog"."posts" USING btree ("category");