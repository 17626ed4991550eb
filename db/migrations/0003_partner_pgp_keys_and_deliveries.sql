CREATE TABLE "deliveries" (
	"id" text PRIMARY KEY NOT NULL,
	"key_id" text NOT NULL,
	"partner_id" text NOT NULL,
	"contact_slack_user_id" text,
	"recipient_fingerprint" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"error_code" text,
	"error_message" text,
	"channel_id" text,
	"message_ts" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone,
	"failed_at" timestamp with time zone,
	"confirmed_at" timestamp with time zone,
	"confirmed_by" text,
	CONSTRAINT "deliveries_status_check" CHECK ("deliveries"."status" in ('pending', 'sent', 'failed', 'confirmed'))
);
--> statement-breakpoint
CREATE TABLE "partner_pgp_keys" (
	"partner_id" text PRIMARY KEY NOT NULL,
	"armored_public_key" text NOT NULL,
	"fingerprint" text NOT NULL,
	"user_ids" text[] NOT NULL,
	"algorithm" text NOT NULL,
	"key_created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone,
	"added_by" text NOT NULL,
	"added_at" timestamp with time zone DEFAULT now() NOT NULL,
	"confirmed_fingerprint" text,
	"confirmed_by" text,
	"confirmed_at" timestamp with time zone,
	CONSTRAINT "partner_pgp_keys_fingerprint_check" CHECK ("partner_pgp_keys"."fingerprint" ~ '^[0-9A-F]{40}$'),
	CONSTRAINT "partner_pgp_keys_confirmation_check" CHECK ("partner_pgp_keys"."confirmed_fingerprint" is null or "partner_pgp_keys"."confirmed_fingerprint" = "partner_pgp_keys"."fingerprint")
);
--> statement-breakpoint
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_key_id_api_keys_id_fk" FOREIGN KEY ("key_id") REFERENCES "public"."api_keys"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "partner_pgp_keys" ADD CONSTRAINT "partner_pgp_keys_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "deliveries_key_id_idx" ON "deliveries" USING btree ("key_id");--> statement-breakpoint
CREATE INDEX "deliveries_status_sent_at_idx" ON "deliveries" USING btree ("status","sent_at");