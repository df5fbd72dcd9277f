import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Ticket attachments: an upload is a row with no ticket (owned by its uploader) until a ticket or
 * comment claims it; the file itself lives in object storage under `storage_key`.
 */
export class TicketAttachments1763800008000 implements MigrationInterface {
  name = 'TicketAttachments1763800008000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE ticket_attachments (
        id uuid PRIMARY KEY,
        company_id uuid NOT NULL,
        ticket_id uuid NULL REFERENCES tickets (id) ON DELETE CASCADE,
        comment_id uuid NULL REFERENCES ticket_comments (id) ON DELETE CASCADE,
        uploaded_by text NOT NULL,
        filename text NOT NULL,
        content_type text NOT NULL,
        size_bytes bigint NOT NULL,
        sha256 text NOT NULL,
        storage_key text NOT NULL,
        internal boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT ticket_attachments_storage_key_unique UNIQUE (storage_key),
        CONSTRAINT ticket_attachments_size_check CHECK (size_bytes >= 0),
        CONSTRAINT ticket_attachments_comment_check CHECK (comment_id IS NULL OR ticket_id IS NOT NULL)
      )`);
    await queryRunner.query(
      `CREATE INDEX ticket_attachments_ticket ON ticket_attachments (company_id, ticket_id, created_at, id)`,
    );
    // The hourly purge of uploads never attached.
    await queryRunner.query(
      `CREATE INDEX ticket_attachments_unclaimed ON ticket_attachments (created_at) WHERE ticket_id IS NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ticket_attachments`);
  }
}
