import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Maintenance windows (issue 6) and the notices sent about them: which customers were told of which
 * stage of which version of a window, so every stage reaches each customer once and a cancellation
 * reaches exactly those who had been told.
 */
export class Maintenance1763800013000 implements MigrationInterface {
  name = 'Maintenance1763800013000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE maintenance_windows (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        services text[] NOT NULL,
        severity text NOT NULL,
        message text NOT NULL,
        status text NOT NULL DEFAULT 'scheduled',
        version integer NOT NULL DEFAULT 1,
        announce_at timestamptz NOT NULL,
        announced_at timestamptz,
        started_at timestamptz,
        completed_at timestamptz,
        cancelled_at timestamptz,
        cancel_reason text,
        created_by text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT maintenance_windows_severity_check CHECK (severity IN ('info', 'minor', 'major', 'critical')),
        CONSTRAINT maintenance_windows_status_check
          CHECK (status IN ('scheduled', 'in_progress', 'completed', 'cancelled')),
        CONSTRAINT maintenance_windows_ends_after_start CHECK (ends_at > starts_at),
        CONSTRAINT maintenance_windows_services_check CHECK (cardinality(services) BETWEEN 1 AND 20)
      )`);
    // The public list: a tenant's live windows by start.
    await queryRunner.query(`
      CREATE INDEX maintenance_windows_company_live ON maintenance_windows (company_id, starts_at, id)
        WHERE status IN ('scheduled', 'in_progress')`);
    // The scan's three transitions, across tenants: each partial index holds only the windows waiting for it.
    await queryRunner.query(`
      CREATE INDEX maintenance_windows_announce_due ON maintenance_windows (announce_at)
        WHERE status = 'scheduled' AND announced_at IS NULL`);
    await queryRunner.query(`
      CREATE INDEX maintenance_windows_start_due ON maintenance_windows (starts_at) WHERE status = 'scheduled'`);
    await queryRunner.query(`
      CREATE INDEX maintenance_windows_end_due ON maintenance_windows (ends_at) WHERE status = 'in_progress'`);

    await queryRunner.query(`
      CREATE TABLE maintenance_notices (
        company_id uuid NOT NULL,
        window_id uuid NOT NULL REFERENCES maintenance_windows (id) ON DELETE CASCADE,
        stage text NOT NULL,
        version integer NOT NULL,
        customer_id uuid NOT NULL,
        batch integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (company_id, window_id, stage, version, customer_id),
        CONSTRAINT maintenance_notices_stage_check
          CHECK (stage IN ('announced', 'rescheduled', 'started', 'completed', 'cancelled'))
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE maintenance_notices`);
    await queryRunner.query(`DROP TABLE maintenance_windows`);
  }
}
