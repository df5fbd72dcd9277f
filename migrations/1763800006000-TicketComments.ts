import { MigrationInterface, QueryRunner } from 'typeorm';

/** Ticket comments: public replies (the customer sees them) and internal notes (never shown or sent). */
export class TicketComments1763800006000 implements MigrationInterface {
  name = 'TicketComments1763800006000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE ticket_comments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL,
        ticket_id uuid NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
        author_kind text NOT NULL,
        author_id text NOT NULL,
        body text NOT NULL,
        internal boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL,
        CONSTRAINT ticket_comments_author_check CHECK (author_kind IN ('customer', 'staff')),
        CONSTRAINT ticket_comments_internal_check CHECK (NOT internal OR author_kind = 'staff')
      )`);
    await queryRunner.query(
      `CREATE INDEX ticket_comments_ticket ON ticket_comments (company_id, ticket_id, created_at, id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ticket_comments`);
  }
}
