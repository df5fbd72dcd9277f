import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A verified callback can reach us before the push that it answers is recorded (the gateway is fast and
 * our push transaction has not committed yet). Such a callback is kept, with its body, as `early`, and
 * the push's own transaction applies it; before, it was answered 404 and only reconciliation, minutes
 * later, settled the payment.
 */
export class EarlyPaymentCallbacks1763800027000 implements MigrationInterface {
  name = 'EarlyPaymentCallbacks1763800027000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE payment_callbacks ADD COLUMN body jsonb`);
    await queryRunner.query(
      `CREATE INDEX payment_callbacks_early ON payment_callbacks (provider, checkout_request_id)
        WHERE outcome = 'early'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX payment_callbacks_early`);
    await queryRunner.query(`ALTER TABLE payment_callbacks DROP COLUMN body`);
  }
}
