CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"secret_digest" "bytea" NOT NULL,
	"hint" text NOT NULL,
	"description" text NOT NULL,
	"api_type" text NOT NULL,
	"partner_id" text,
	"status" text DEFAULT 'active' NOT NULL,
	"legacy" boolean DEFAULT false NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_by" text,
	"revoked_at" timestamp with time zone,
	"revoke_reason" text,
	"revoke_at" timestamp with time zone,
	"replaced_by" text,
	"last_used_at" timestamp with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "api_keys_status_check" CHECK ("api_keys"."status" in ('active', 'revoked'))
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"key_id" text,
	"partner_id" text,
	"before" jsonb,
	"after" jsonb,
	"details" jsonb
);
--> statement-breakpoint
CREATE TABLE "catalog_endpoints" (
	"api_type" text NOT NULL,
	"id" text NOT NULL,
	"method" text NOT NULL,
	"path" text NOT NULL,
	"resource" text NOT NULL,
	"label" text NOT NULL,
	"first_documented" text,
	"existed_at_legacy_cutoff" boolean NOT NULL,
	"deprecated" boolean NOT NULL,
	CONSTRAINT "catalog_endpoints_api_type_id_pk" PRIMARY KEY("api_type","id")
);
--> statement-breakpoint
CREATE TABLE "key_permissions" (
	"key_id" text NOT NULL,
	"endpoint_id" text NOT NULL,
	CONSTRAINT "key_permissions_key_id_endpoint_id_pk" PRIMARY KEY("key_id","endpoint_id")
);
--> statement-breakpoint
CREATE TABLE "partner_presets" (
	"partner_id" text NOT NULL,
	"endpoint_id" text NOT NULL,
	CONSTRAINT "partner_presets_partner_id_endpoint_id_pk" PRIMARY KEY("partner_id","endpoint_id")
);
--> statement-breakpoint
CREATE TABLE "partners" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"contact_slack_user_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "roles" (
	"slack_user_id" text NOT NULL,
	"role" text NOT NULL,
	"granted_by" text NOT NULL,
	"granted_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "roles_slack_user_id_role_pk" PRIMARY KEY("slack_user_id","role"),
	CONSTRAINT "roles_role_check" CHECK ("roles"."role" in ('admin', 'approver'))
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "key_permissions" ADD CONSTRAINT "key_permissions_key_id_api_keys_id_fk" FOREIGN KEY ("key_id") REFERENCES "public"."api_keys"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "partner_presets" ADD CONSTRAINT "partner_presets_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_secret_digest_key" ON "api_keys" USING btree ("secret_digest");--> statement-breakpoint
CREATE INDEX "api_keys_partner_id_idx" ON "api_keys" USING btree ("partner_id");--> statement-breakpoint
CREATE INDEX "audit_events_key_id_idx" ON "audit_events" USING btree ("key_id");--> statement-breakpoint
CREATE INDEX "audit_events_at_idx" ON "audit_events" USING btree ("at");--> statement-breakpoint
CREATE UNIQUE INDEX "partners_name_lower_key" ON "partners" USING btree (lower("name"));