import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SLA policies, business calendars and escalation rules per company; each ticket's SLA targets and
 * SLA event stream; the escalation plan the scheduled scan follows; merge pointers.
 */
export class TicketSla1763800009000 implements MigrationInterface {
  name = 'TicketSla1763800009000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE ticket_calendars (
        company_id uuid NOT NULL,
        name text NOT NULL,
        time_zone text NOT NULL,
        week jsonb NOT NULL,
        holidays text[] NOT NULL DEFAULT '{}',
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (company_id, name)
      )`);
    await queryRunner.query(`
      CREATE TABLE ticket_sla_policies (
        company_id uuid NOT NULL,
        position integer NOT NULL,
        name text NOT NULL,
        conditions jsonb NOT NULL DEFAULT '{}'::jsonb,
        fallback boolean NOT NULL DEFAULT false,
        first_response_minutes integer,
        next_response_minutes integer,
        resolution_minutes integer,
        calendar_name text,
        PRIMARY KEY (company_id, position),
        FOREIGN KEY (company_id, calendar_name) REFERENCES ticket_calendars (company_id, name)
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX ticket_sla_policies_one_fallback ON ticket_sla_policies (company_id) WHERE fallback`,
    );
    await queryRunner.query(`
      CREATE TABLE ticket_escalation_rules (
        company_id uuid NOT NULL,
        position integer NOT NULL,
        level integer NOT NULL CHECK (level BETWEEN 1 AND 3),
        priorities text[] NOT NULL DEFAULT '{}',
        target text NOT NULL CHECK (target IN ('any', 'first_response', 'next_response', 'resolution')),
        minutes_from_due integer NOT NULL,
        notify_role text NOT NULL,
        notify_customer boolean NOT NULL DEFAULT false,
        PRIMARY KEY (company_id, position)
      )`);

    await queryRunner.query(`
      ALTER TABLE tickets
        ADD COLUMN sla_policy jsonb,
        ADD COLUMN sla_state text CHECK (sla_state IN ('active', 'hit', 'missed', 'active_with_misses')),
        ADD COLUMN sla_next_due_at timestamptz,
        ADD COLUMN escalation_plan jsonb NOT NULL DEFAULT '[]'::jsonb,
        ADD COLUMN next_escalation_at timestamptz,
        ADD COLUMN merged_into_id uuid REFERENCES tickets (id)`);
    await queryRunner.query(
      `CREATE INDEX tickets_next_escalation ON tickets (next_escalation_at) WHERE next_escalation_at IS NOT NULL`,
    );

    await queryRunner.query(`
      CREATE TABLE ticket_sla_targets (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        company_id uuid NOT NULL,
        ticket_id uuid NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('first_response', 'next_response', 'resolution')),
        status text NOT NULL CHECK (status IN ('active', 'hit', 'missed', 'cancelled')),
        target_seconds integer NOT NULL,
        consumed_seconds integer NOT NULL DEFAULT 0,
        started_at timestamptz NOT NULL,
        due_at timestamptz,
        anchor_at timestamptz,
        paused_at timestamptz,
        breached_at timestamptz,
        fulfilled_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX ticket_sla_targets_ticket ON ticket_sla_targets (ticket_id, id)`);
    await queryRunner.query(
      `CREATE INDEX ticket_sla_targets_due ON ticket_sla_targets (due_at) WHERE status = 'active'`,
    );
    await queryRunner.query(`
      CREATE TABLE ticket_sla_events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        company_id uuid NOT NULL,
        ticket_id uuid NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('applied', 'paused', 'resumed', 'breached', 'fulfilled', 'cancelled')),
        target text,
        details jsonb NOT NULL DEFAULT '{}'::jsonb,
        occurred_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX ticket_sla_events_ticket ON ticket_sla_events (ticket_id, id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ticket_sla_events`);
    await queryRunner.query(`DROP TABLE ticket_sla_targets`);
    await queryRunner.query(`DROP INDEX tickets_next_escalation`);
    await queryRunner.query(`
      ALTER TABLE tickets DROP COLUMN merged_into_id, DROP COLUMN next_escalation_at, DROP COLUMN escalation_plan,
        DROP COLUMN sla_next_due_at, DROP COLUMN sla_state, DROP COLUMN sla_policy`);
    await queryRunner.query(`DROP TABLE ticket_escalation_rules`);
    await queryRunner.query(`DROP TABLE ticket_sla_policies`);
    await queryRunner.query(`DROP TABLE ticket_calendars`);
  }
}
