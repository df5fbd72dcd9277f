import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Support analytics reads, for a period, a company's resolutions, reopens, escalations and merges from
 * the ticket history. Partial indexes hold just those entries with their ticket id, so they are read
 * index-only instead of walking every comment and note and parsing its jsonb; the statistics on the
 * status change let the planner know how many entries each kind has.
 */
export class SupportAnalytics1763800014000 implements MigrationInterface {
  name = 'SupportAnalytics1763800014000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX ticket_history_resolutions ON ticket_history (company_id, occurred_at) INCLUDE (ticket_id)
        WHERE action = 'status_changed' AND changes #>> '{status,after}' = 'resolved'`,
    );
    await queryRunner.query(
      `CREATE INDEX ticket_history_reopens ON ticket_history (company_id, occurred_at) INCLUDE (ticket_id)
        WHERE action = 'status_changed' AND changes #>> '{status,before}' = 'resolved'
          AND changes #>> '{status,after}' = 'open'`,
    );
    await queryRunner.query(
      `CREATE INDEX ticket_history_escalations_merges ON ticket_history (company_id, action, occurred_at)
        INCLUDE (ticket_id) WHERE action IN ('escalated', 'merged')`,
    );
    await queryRunner.query(
      `CREATE STATISTICS ticket_history_status_changes (mcv)
        ON action, (changes #>> '{status,before}'), (changes #>> '{status,after}') FROM ticket_history`,
    );
    await queryRunner.query(`ANALYZE ticket_history`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP STATISTICS ticket_history_status_changes`);
    await queryRunner.query(`DROP INDEX ticket_history_escalations_merges`);
    await queryRunner.query(`DROP INDEX ticket_history_reopens`);
    await queryRunner.query(`DROP INDEX ticket_history_resolutions`);
  }
}
