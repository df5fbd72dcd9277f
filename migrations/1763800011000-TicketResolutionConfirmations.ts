import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Seed 001 workflow 5: each resolution asks the customer to confirm (with a 1-5 satisfaction rating)
 * or reopen, through a signed, expiring, single-use link. One request and at most one rating per
 * resolution; the rating keeps who and what it rates, for analytics.
 */
export class TicketResolutionConfirmations1763800011000 implements MigrationInterface {
  name = 'TicketResolutionConfirmations1763800011000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE ticket_resolution_requests (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL,
        ticket_id uuid NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
        resolved_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        outcome text CHECK (outcome IN ('confirmed', 'reopened', 'auto_closed', 'superseded')),
        created_at timestamptz NOT NULL,
        CONSTRAINT ticket_resolution_requests_once UNIQUE (ticket_id, resolved_at)
      )`);
    await queryRunner.query(
      `CREATE INDEX ticket_resolution_requests_open ON ticket_resolution_requests (resolved_at) WHERE outcome IS NULL`,
    );
    await queryRunner.query(`
      CREATE TABLE ticket_csat (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL,
        ticket_id uuid NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
        request_id uuid NOT NULL UNIQUE REFERENCES ticket_resolution_requests (id) ON DELETE CASCADE,
        rating smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
        feedback text,
        agent_id text,
        department text,
        category text NOT NULL,
        priority text NOT NULL,
        rated_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX ticket_csat_company_rated ON ticket_csat (company_id, rated_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ticket_csat`);
    await queryRunner.query(`DROP TABLE ticket_resolution_requests`);
  }
}
