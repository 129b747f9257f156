CREATE TABLE "connections" (
	"id" text PRIMARY KEY NOT NULL,
	"node_id" text NOT NULL,
	"transport" text NOT NULL,
	"user_id" text NOT NULL,
	"address" text,
	"user_agent" text,
	"opened_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone,
	"close_reason" text
);
--> statement-breakpoint
CREATE TABLE "event_logs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"room_id" text,
	"peer_id" text,
	"user_id" text,
	"node_id" text,
	"details" jsonb,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "messages" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"room_id" text,
	"user_id" text,
	"peer_id" text,
	"body" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "server_settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL,
	"description" text,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"avatar" text,
	"first_seen_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "video_participants" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"room_id" text NOT NULL,
	"peer_id" text NOT NULL,
	"user_id" text NOT NULL,
	"joined_at" timestamp with time zone NOT NULL,
	"left_at" timestamp with time zone,
	"is_muted" boolean DEFAULT false NOT NULL,
	"is_video_off" boolean DEFAULT false NOT NULL,
	"is_sharing_screen" boolean DEFAULT false NOT NULL,
	"media_changes" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "video_rooms" (
	"room_id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"host_id" text NOT NULL,
	"max_participants" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "connections_opened_at_idx" ON "connections" USING btree ("opened_at");--> statement-breakpoint
CREATE INDEX "event_logs_created_at_idx" ON "event_logs" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "event_logs_type_idx" ON "event_logs" USING btree ("type","created_at");--> statement-breakpoint
CREATE INDEX "event_logs_room_idx" ON "event_logs" USING btree ("room_id","created_at");--> statement-breakpoint
CREATE INDEX "messages_room_idx" ON "messages" USING btree ("room_id","created_at");--> statement-breakpoint
CREATE INDEX "video_participants_peer_idx" ON "video_participants" USING btree ("peer_id","room_id");