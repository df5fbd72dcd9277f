import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Customers, their contacts and communication log, the per-company customer number counters, and
 * the append-only audit trail (partitioned by month for 7-year retention). Also the first table of
 * the invoices ledger, which customer erasure must respect (SOX) before receivables build on it.
 */
export class Customers1763800001000 implements MigrationInterface {
  name = 'Customers1763800001000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS citext`);
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS btree_gin`);

    await queryRunner.query(`
      CREATE TABLE customer_number_counters (
        company_id uuid PRIMARY KEY,
        last_value bigint NOT NULL
      )`);

    await queryRunner.query(`
      CREATE TABLE customers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL,
        customer_number text NOT NULL,
        name text NOT NULL,
        email citext,
        phone text,
        currency character(3) NOT NULL,
        billing_address jsonb,
        tags text[] NOT NULL DEFAULT '{}',
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        status text NOT NULL DEFAULT 'active',
        source text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        anonymized_at timestamptz,
        CONSTRAINT customers_status_check CHECK (status IN ('active', 'inactive', 'blocked')),
        CONSTRAINT customers_source_check CHECK (source IN ('web_ui', 'cli', 'api', 'import')),
        CONSTRAINT customers_company_number_unique UNIQUE (company_id, customer_number)
      )`);
    // The default list: newest first, keyset on (created_at, id), live customers only.
    await queryRunner.query(
      `CREATE INDEX customers_company_created ON customers (company_id, created_at DESC, id DESC) WHERE deleted_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX customers_company_status_created ON customers (company_id, status, created_at DESC, id DESC) WHERE deleted_at IS NULL`,
    );
    await queryRunner.query(`CREATE INDEX customers_company_tags ON customers USING gin (company_id, tags)`);
    // Search over name, email, phone and number: one trigram index per tenant-scoped expression.
    await queryRunner.query(`
      CREATE INDEX customers_search_trgm ON customers USING gin (
        company_id,
        (lower(name || ' ' || coalesce(email::text, '') || ' ' || coalesce(phone, '') || ' ' || customer_number)) gin_trgm_ops
      )`);
    await queryRunner.query(`CREATE INDEX customers_company_email ON customers (company_id, email)`);

    await queryRunner.query(`
      CREATE TABLE customer_contacts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL,
        customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        name text NOT NULL,
        email citext,
        phone text,
        contact_type text NOT NULL,
        is_primary boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT customer_contacts_type_check CHECK (contact_type IN ('billing', 'technical', 'primary', 'other'))
      )`);
    await queryRunner.query(
      `CREATE INDEX customer_contacts_company_customer ON customer_contacts (company_id, customer_id, created_at)`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX customer_contacts_one_primary ON customer_contacts (customer_id) WHERE is_primary`,
    );

    await queryRunner.query(`
      CREATE TABLE customer_communications (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL,
        customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        channel text NOT NULL,
        direction text NOT NULL,
        subject text,
        body text NOT NULL,
        occurred_at timestamptz NOT NULL,
        user_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT customer_communications_channel_check CHECK (channel IN ('email', 'phone', 'meeting', 'note')),
        CONSTRAINT customer_communications_direction_check CHECK (direction IN ('inbound', 'outbound'))
      )`);
    await queryRunner.query(
      `CREATE INDEX customer_communications_timeline ON customer_communications (company_id, customer_id, occurred_at DESC, id DESC)`,
    );

    // Append-only; no foreign key so erasure of a customer never removes its audit history.
    await queryRunner.query(`
      CREATE TABLE customer_audit_log (
        id bigint GENERATED ALWAYS AS IDENTITY,
        company_id uuid NOT NULL,
        customer_id uuid NOT NULL,
        entity_type text NOT NULL,
        entity_id uuid NOT NULL,
        action text NOT NULL,
        actor_user_id text,
        changes jsonb NOT NULL DEFAULT '{}'::jsonb,
        reason text,
        correlation_id text,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (id, occurred_at)
      ) PARTITION BY RANGE (occurred_at)`);
    await queryRunner.query(
      `CREATE TABLE customer_audit_log_default PARTITION OF customer_audit_log DEFAULT`,
    );
    await queryRunner.query(
      `CREATE INDEX customer_audit_log_customer ON customer_audit_log (company_id, customer_id, occurred_at DESC, id DESC)`,
    );
    await queryRunner.query(`
      CREATE FUNCTION ensure_customer_audit_partitions(months_ahead integer) RETURNS void LANGUAGE plpgsql AS $$
      DECLARE
        month_start date;
        partition_name text;
      BEGIN
        FOR offset_months IN 0..months_ahead LOOP
          month_start := (date_trunc('month', now()) + make_interval(months => offset_months))::date;
          partition_name := 'customer_audit_log_' || to_char(month_start, 'YYYY_MM');
          IF to_regclass(partition_name) IS NULL THEN
            EXECUTE format(
              'CREATE TABLE %I PARTITION OF customer_audit_log FOR VALUES FROM (%L) TO (%L)',
              partition_name, month_start, (month_start + interval '1 month')::date);
          END IF;
        END LOOP;
      END $$`);
    await queryRunner.query(`SELECT ensure_customer_audit_partitions(3)`);
    // Nothing may rewrite history, with one exception: GDPR erasure may blank personal data in place,
    // and only inside a transaction that says so (SET LOCAL custops.audit_redaction = 'on').
    await queryRunner.query(`
      CREATE FUNCTION customer_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' AND current_setting('custops.audit_redaction', true) = 'on' THEN
          RETURN NEW;
        END IF;
        RAISE EXCEPTION 'customer_audit_log is append-only';
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER customer_audit_log_no_update BEFORE UPDATE OR DELETE ON customer_audit_log
      FOR EACH ROW EXECUTE FUNCTION customer_audit_log_append_only()`);

    await queryRunner.query(`
      CREATE TABLE invoices (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL,
        customer_id uuid NOT NULL,
        invoice_number text NOT NULL,
        currency character(3) NOT NULL,
        total_minor bigint NOT NULL,
        issued_at timestamptz NOT NULL,
        due_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT invoices_company_number_unique UNIQUE (company_id, invoice_number)
      )`);
    await queryRunner.query(
      `CREATE INDEX invoices_company_customer ON invoices (company_id, customer_id, issued_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE invoices`);
    await queryRunner.query(`DROP TABLE customer_audit_log`);
    await queryRunner.query(`DROP FUNCTION customer_audit_log_append_only()`);
    await queryRunner.query(`DROP FUNCTION ensure_customer_audit_partitions(integer)`);
    await queryRunner.query(`DROP TABLE customer_communications`);
    await queryRunner.query(`DROP TABLE customer_contacts`);
    await queryRunner.query(`DROP TABLE customers`);
    await queryRunner.query(`DROP TABLE customer_number_counters`);
  }
}
