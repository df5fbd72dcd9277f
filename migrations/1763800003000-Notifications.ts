import { MigrationInterface, QueryRunner } from 'typeorm';

/** Notifications, their per-channel deliveries, in-app inboxes, opt-out preferences and webhook endpoints. */
export class Notifications1763800003000 implements MigrationInterface {
  name = 'Notifications1763800003000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE notifications (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL,
        type text NOT NULL,
        severity text NOT NULL DEFAULT 'normal',
        idempotency_key text NOT NULL,
        data jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT notifications_severity_check CHECK (severity IN ('normal', 'critical')),
        CONSTRAINT notifications_idempotency UNIQUE (company_id, idempotency_key)
      )`);

    await queryRunner.query(`
      CREATE TABLE notification_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL,
        notification_id uuid NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
        type text NOT NULL,
        channel text NOT NULL,
        recipient_kind text NOT NULL,
        recipient_id text NOT NULL,
        address text,
        content jsonb NOT NULL,
        status text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        provider_message_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        CONSTRAINT notification_deliveries_channel_check CHECK (channel IN ('email', 'sms', 'in_app', 'webhook')),
        CONSTRAINT notification_deliveries_recipient_check CHECK (recipient_kind IN ('customer', 'user', 'webhook')),
        CONSTRAINT notification_deliveries_status_check
          CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'suppressed')),
        CONSTRAINT notification_deliveries_once UNIQUE (notification_id, channel, recipient_kind, recipient_id)
      )`);
    await queryRunner.query(
      `CREATE INDEX notification_deliveries_company_created ON notification_deliveries (company_id, created_at DESC, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX notification_deliveries_company_status ON notification_deliveries (company_id, status, created_at DESC, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX notification_deliveries_recipient ON notification_deliveries (company_id, recipient_kind, recipient_id, created_at DESC)`,
    );

    // Every attempt of every delivery, kept for admins (the webhook delivery log).
    await queryRunner.query(`
      CREATE TABLE notification_delivery_attempts (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        company_id uuid NOT NULL,
        delivery_id uuid NOT NULL REFERENCES notification_deliveries (id) ON DELETE CASCADE,
        attempt integer NOT NULL,
        outcome text NOT NULL,
        error text,
        duration_ms integer NOT NULL,
        attempted_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX notification_delivery_attempts_delivery ON notification_delivery_attempts (company_id, delivery_id, id)`,
    );

    await queryRunner.query(`
      CREATE TABLE in_app_notifications (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL,
        delivery_id uuid NOT NULL UNIQUE,
        recipient_kind text NOT NULL,
        recipient_id text NOT NULL,
        type text NOT NULL,
        title text,
        body text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        read_at timestamptz
      )`);
    await queryRunner.query(
      `CREATE INDEX in_app_notifications_inbox ON in_app_notifications (company_id, recipient_kind, recipient_id, created_at DESC, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX in_app_notifications_unread ON in_app_notifications (company_id, recipient_kind, recipient_id, created_at DESC, id DESC) WHERE read_at IS NULL`,
    );

    await queryRunner.query(`
      CREATE TABLE notification_preferences (
        company_id uuid NOT NULL,
        recipient_kind text NOT NULL,
        recipient_id text NOT NULL,
        channel text NOT NULL,
        opted_out boolean NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (company_id, recipient_kind, recipient_id, channel)
      )`);

    await queryRunner.query(`
      CREATE TABLE webhook_endpoints (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL,
        url text NOT NULL,
        secret text NOT NULL,
        event_types text[] NOT NULL,
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX webhook_endpoints_company ON webhook_endpoints (company_id) WHERE active`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE webhook_endpoints`);
    await queryRunner.query(`DROP TABLE notification_preferences`);
    await queryRunner.query(`DROP TABLE in_app_notifications`);
    await queryRunner.query(`DROP TABLE notification_delivery_attempts`);
    await queryRunner.query(`DROP TABLE notification_deliveries`);
    await queryRunner.query(`DROP TABLE notifications`);
  }
}
