CREATE TABLE "approval_requests" (
	"id" text PRIMARY KEY NOT NULL,
	"action" text NOT NULL,
	"key_id" text,
	"key_version" integer,
	"payload" jsonb NOT NULL,
	"requested_by" text NOT NULL,
	"required_approvals" integer NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"decided_at" timestamp with time zone,
	"outcome" jsonb,
	"card_channel" text,
	"card_ts" text,
	CONSTRAINT "approval_requests_state_check" CHECK ("approval_requests"."state" in ('pending', 'executing', 'approved', 'denied', 'expired', 'superseded', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "approval_decisions" (
	"request_id" text NOT NULL,
	"approver" text NOT NULL,
	"decision" text NOT NULL,
	"reason" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "approval_decisions_request_id_approver_pk" PRIMARY KEY("request_id","approver")
);
--> statement-breakpoint
CREATE TABLE "key_reveals" (
	"id" text PRIMARY KEY NOT NULL,
	"request_id" text NOT NULL,
	"requester" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"expired_at" timestamp with time zone,
	"key_id" text
);
--> statement-breakpoint
ALTER TABLE "approval_decisions" ADD CONSTRAINT "approval_decisions_request_id_approval_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."approval_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "key_reveals" ADD CONSTRAINT "key_reveals_request_id_approval_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."approval_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "approval_requests_state_idx" ON "approval_requests" USING btree ("state");