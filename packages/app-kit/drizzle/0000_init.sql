CREATE SCHEMA IF NOT EXISTS "app_kit";
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "app_kit"."sessions" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"realm" text NOT NULL,
	"account" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "sessions_account_idx" ON "app_kit"."sessions" ("realm", "account");
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "app_kit"."rate_limits" (
	"key" text PRIMARY KEY NOT NULL,
	"points" integer DEFAULT 0 NOT NULL,
	"expire" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "app_kit"."credentials" (
	"realm" text NOT NULL,
	"account" text NOT NULL,
	"password_hash" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "credentials_pk" PRIMARY KEY ("realm", "account")
);
