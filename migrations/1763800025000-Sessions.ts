import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Paid WiFi sessions (issue 10, seed 003): packages a company sells, the access controllers (NAS) that
 * report usage with a per-company device key (only its SHA-256 is stored), sessions with their usage
 * counters, prepaid vouchers (only the code's SHA-256 is stored) and an hourly usage rollup for reports.
 *
 * A session copies what it was sold (price, duration, cap, speed, services) from its package, so
 * editing a package never changes a session already bought.
 */
export class Sessions1763800025000 implements MigrationInterface {
  name = 'Sessions1763800025000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE session_packages (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL,
        name text NOT NULL,
        description text,
        price_minor bigint NOT NULL CHECK (price_minor > 0),
        currency char(3) NOT NULL,
        duration_seconds integer NOT NULL CHECK (duration_seconds > 0),
        data_cap_bytes bigint CHECK (data_cap_bytes > 0),
        speed_profile text,
        services text[] NOT NULL DEFAULT '{}',
        active boolean NOT NULL DEFAULT true,
        created_by text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX session_packages_name ON session_packages (company_id, lower(name))`,
    );

    await queryRunner.query(`
      CREATE TABLE access_devices (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL,
        name text NOT NULL,
        key_hash bytea NOT NULL UNIQUE,
        key_prefix text NOT NULL,
        created_by text,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX access_devices_company ON access_devices (company_id, created_at)`);

    await queryRunner.query(`
      CREATE TABLE session_voucher_batches (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL,
        package_id uuid NOT NULL REFERENCES session_packages (id),
        voucher_count integer NOT NULL CHECK (voucher_count > 0),
        expires_at timestamptz NOT NULL,
        note text,
        created_by text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX session_voucher_batches_company ON session_voucher_batches (company_id, created_at DESC, id DESC)`,
    );

    await queryRunner.query(`
      CREATE TABLE wifi_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL,
        customer_id uuid NOT NULL,
        package_id uuid NOT NULL REFERENCES session_packages (id),
        package_name text NOT NULL,
        source text NOT NULL CHECK (source IN ('purchase', 'voucher')),
        status text NOT NULL
          CHECK (status IN ('pending_payment', 'payment_failed', 'active', 'terminated', 'expired')),
        price_minor bigint NOT NULL,
        currency char(3) NOT NULL,
        duration_seconds integer NOT NULL,
        data_cap_bytes bigint,
        speed_profile text,
        services text[] NOT NULL DEFAULT '{}',
        payment_id uuid,
        voucher_id uuid,
        paid_at timestamptz,
        payment_failed_at timestamptz,
        payment_error_code text,
        started_at timestamptz,
        expires_at timestamptz,
        ended_at timestamptz,
        termination_reason text,
        terminate_cause text,
        terminated_by text,
        bytes_in bigint NOT NULL DEFAULT 0 CHECK (bytes_in >= 0),
        bytes_out bigint NOT NULL DEFAULT 0 CHECK (bytes_out >= 0),
        usage_seq bigint NOT NULL DEFAULT -1,
        last_usage_at timestamptz,
        idempotency_key text,
        trace_id uuid NOT NULL,
        created_by text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (status IN ('pending_payment', 'payment_failed') OR (started_at IS NOT NULL AND expires_at IS NOT NULL)),
        CHECK (status NOT IN ('terminated', 'expired') OR ended_at IS NOT NULL)
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX wifi_sessions_idempotency ON wifi_sessions (company_id, idempotency_key)
         WHERE idempotency_key IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX wifi_sessions_payment ON wifi_sessions (payment_id) WHERE payment_id IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX wifi_sessions_voucher ON wifi_sessions (voucher_id) WHERE voucher_id IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX wifi_sessions_customer ON wifi_sessions (company_id, customer_id, created_at DESC, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX wifi_sessions_company ON wifi_sessions (company_id, created_at DESC, id DESC)`,
    );
    // The expiry job and the sessions_active gauge: only live sessions, a small partial index.
    await queryRunner.query(
      `CREATE INDEX wifi_sessions_active_expiry ON wifi_sessions (expires_at) WHERE status = 'active'`,
    );
    await queryRunner.query(
      `CREATE INDEX wifi_sessions_active_package ON wifi_sessions (company_id, package_name) WHERE status = 'active'`,
    );
    // Reports: sessions started, ended, paid and failed in a period, per company.
    await queryRunner.query(
      `CREATE INDEX wifi_sessions_started ON wifi_sessions (company_id, started_at) WHERE started_at IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX wifi_sessions_ended ON wifi_sessions (company_id, ended_at) WHERE ended_at IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX wifi_sessions_payment_outcome ON wifi_sessions (company_id, COALESCE(paid_at, payment_failed_at))
         WHERE paid_at IS NOT NULL OR payment_failed_at IS NOT NULL`,
    );

    await queryRunner.query(`
      CREATE TABLE session_vouchers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL,
        batch_id uuid NOT NULL REFERENCES session_voucher_batches (id),
        package_id uuid NOT NULL REFERENCES session_packages (id),
        code_hash bytea NOT NULL,
        code_hint text NOT NULL,
        expires_at timestamptz NOT NULL,
        redeemed_at timestamptz,
        redeemed_by_customer uuid,
        session_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (company_id, code_hash)
      )`);
    await queryRunner.query(`CREATE INDEX session_vouchers_batch ON session_vouchers (batch_id)`);

    // Bytes counted per company and hour, from the usage reports' deltas: reports read this, not history.
    await queryRunner.query(`
      CREATE TABLE session_usage_hourly (
        company_id uuid NOT NULL,
        hour timestamptz NOT NULL,
        bytes_in bigint NOT NULL DEFAULT 0,
        bytes_out bigint NOT NULL DEFAULT 0,
        reports bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (company_id, hour)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE session_usage_hourly`);
    await queryRunner.query(`DROP TABLE session_vouchers`);
    await queryRunner.query(`DROP TABLE wifi_sessions`);
    await queryRunner.query(`DROP TABLE session_voucher_batches`);
    await queryRunner.query(`DROP TABLE access_devices`);
    await queryRunner.query(`DROP TABLE session_packages`);
  }
}
