ALTER TABLE `spend` ADD `client_request_id` text;--> statement-breakpoint
CREATE INDEX `spend_client_request_id_idx` ON `spend` (`client_request_id`) WHERE "spend"."client_request_id" IS NOT NULL;