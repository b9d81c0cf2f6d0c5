CREATE SCHEMA IF NOT EXISTS "demo";
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "demo"."seeds" (
	"name" text PRIMARY KEY NOT NULL,
	"seeded_at" timestamp with time zone DEFAULT now() NOT NULL
);
