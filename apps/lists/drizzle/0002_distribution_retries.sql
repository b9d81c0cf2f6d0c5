DROP INDEX "lists"."distributions_pending_idx";--> statement-breakpoint
ALTER TABLE "lists"."distributions" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "lists"."distributions" ADD COLUMN "next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "lists"."distributions" ADD COLUMN "last_error" text;--> statement-breakpoint
CREATE INDEX "distributions_due_idx" ON "lists"."distributions" USING btree ("next_attempt_at","created_at") WHERE "lists"."distributions"."status" = 'pending';