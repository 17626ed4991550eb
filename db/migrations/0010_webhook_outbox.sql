CREATE TABLE "webhook_outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"message_id" text NOT NULL,
	"event_type" text NOT NULL,
	"ordering_key" text NOT NULL,
	"body" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"last_error" text,
	"delivered_at" timestamp with time zone,
	"dead_at" timestamp with time zone
);
--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_outbox_message_id_idx" ON "webhook_outbox" USING btree ("message_id");--> statement-breakpoint
CREATE INDEX "webhook_outbox_pending_idx" ON "webhook_outbox" USING btree ("next_attempt_at") WHERE "webhook_outbox"."delivered_at" is null and "webhook_outbox"."dead_at" is null;--> statement-breakpoint
CREATE INDEX "webhook_outbox_pending_order_idx" ON "webhook_outbox" USING btree ("ordering_key","id") WHERE "webhook_outbox"."delivered_at" is null and "webhook_outbox"."dead_at" is null;