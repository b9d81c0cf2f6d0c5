CREATE SCHEMA "avatars";
--> statement-breakpoint
CREATE TABLE "avatars"."avatars" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "avatars"."avatars_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"user_id" integer NOT NULL,
	"version" integer NOT NULL,
	"crop_left" integer NOT NULL,
	"crop_top" integer NOT NULL,
	"crop_size" integer NOT NULL,
	"source_width" integer NOT NULL,
	"source_height" integer NOT NULL,
	"source_mime" text NOT NULL,
	"source_sha256" text NOT NULL,
	"animated" boolean DEFAULT false NOT NULL,
	"renditions" jsonb NOT NULL,
	"message_id" text,
	"current" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "avatars"."login_tokens" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"purpose" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "avatars"."refusals" (
	"address" text PRIMARY KEY NOT NULL,
	"last_refused_at" timestamp with time zone NOT NULL,
	"last_reason" text NOT NULL,
	"suppressed" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "avatars"."users" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "avatars"."users_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"address" text NOT NULL,
	"address_hash" text NOT NULL,
	"confirmed" boolean DEFAULT false NOT NULL,
	"confirmed_at" timestamp with time zone,
	"upload_secret" text NOT NULL,
	"upload_secret_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "avatars"."avatars" ADD CONSTRAINT "avatars_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "avatars"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "avatars"."login_tokens" ADD CONSTRAINT "login_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "avatars"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "avatars_user_version_key" ON "avatars"."avatars" USING btree ("user_id","version");--> statement-breakpoint
CREATE UNIQUE INDEX "avatars_one_current_key" ON "avatars"."avatars" USING btree ("user_id") WHERE "avatars"."avatars"."current";--> statement-breakpoint
CREATE INDEX "login_tokens_user_idx" ON "avatars"."login_tokens" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "users_address_key" ON "avatars"."users" USING btree ("address");--> statement-breakpoint
CREATE UNIQUE INDEX "users_address_hash_key" ON "avatars"."users" USING btree ("address_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "users_upload_secret_hash_key" ON "avatars"."users" USING btree ("upload_secret_hash");