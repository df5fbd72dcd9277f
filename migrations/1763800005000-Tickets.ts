import { MigrationInterface, QueryRunner } from 'typeorm';

/** The help desk's core: tickets, per-company category routing, comments and the ticket history. */
export class Tickets1763800005000 implements MigrationInterface {
  name = 'Tickets1763800005000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE ticket_routes (
        company_id uuid NOT NULL,
        category text NOT NULL,
        department text NOT NULL,
        PRIMARY KEY (company_id, category)
      )`);
    await queryRunner.query(`
      CREATE TABLE ticket_number_counters (
        company_id uuid NOT NULL,
        day date NOT NULL,
        last_value integer NOT NULL,
        PRIMARY KEY (company_id, day)
      )`);
    await queryRunner.query(`
      CREATE TABLE tickets (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL,
        ticket_number text NOT NULL,
        customer_id uuid,
        requester_name text NOT NULL,
        requester_email citext,
        subject text NOT NULL,
        description text NOT NULL,
        category text NOT NULL,
        department text,
        needs_triage boolean NOT NULL DEFAULT false,
        priority text NOT NULL,
        status text NOT NULL DEFAULT 'new',
        assignee_id text,
        escalation_level integer NOT NULL DEFAULT 0,
        channel text NOT NULL,
        tags text[] NOT NULL DEFAULT '{}',
        fields jsonb NOT NULL DEFAULT '{}'::jsonb,
        first_response_at timestamptz,
        resolved_at timestamptz,
        closed_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CONSTRAINT tickets_company_number_unique UNIQUE (company_id, ticket_number),
        CONSTRAINT tickets_priority_check CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
        CONSTRAINT tickets_status_check CHECK (status IN ('new', 'open', 'pending', 'on_hold', 'resolved', 'closed')),
        CONSTRAINT tickets_escalation_check CHECK (escalation_level BETWEEN 0 AND 3),
        CONSTRAINT tickets_channel_check CHECK (channel IN ('web', 'api', 'email', 'agent'))
      )`);
    await queryRunner.query(
      `CREATE INDEX tickets_company_created ON tickets (company_id, created_at DESC, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX tickets_company_customer ON tickets (company_id, customer_id, created_at DESC, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX tickets_company_open ON tickets (company_id, department, priority) WHERE status NOT IN ('resolved', 'closed')`,
    );

    await queryRunner.query(`
      CREATE TABLE ticket_history (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        company_id uuid NOT NULL,
        ticket_id uuid NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
        actor_id text,
        action text NOT NULL,
        changes jsonb NOT NULL DEFAULT '{}'::jsonb,
        occurred_at timestamptz NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX ticket_history_ticket ON ticket_history (company_id, ticket_id, id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ticket_history`);
    await queryRunner.query(`DROP TABLE tickets`);
    await queryRunner.query(`DROP TABLE ticket_number_counters`);
    await queryRunner.query(`DROP TABLE ticket_routes`);
  }
}
