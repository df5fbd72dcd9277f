import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Customer files (seed 002 §4): an optional external id per customer (the key an import upserts by when
 * the file has no customer numbers), imports with their progress and row errors, and stored exports.
 * Imports stage rows in an UNLOGGED table of their own, in the customer_import_staging schema, created
 * and dropped by the worker; the schema keeps those tables out of everyone's way.
 */
export class CustomerImports1763800021000 implements MigrationInterface {
  name = 'CustomerImports1763800021000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE customers ADD COLUMN external_id text`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX customers_company_external_id ON customers (company_id, external_id)
         WHERE external_id IS NOT NULL`,
    );
    await queryRunner.query(`
      CREATE TABLE customer_imports (
        id uuid PRIMARY KEY,
        company_id uuid NOT NULL,
        requested_by text,
        format text NOT NULL CHECK (format IN ('csv', 'json', 'ndjson')),
        filename text NOT NULL,
        storage_key text NOT NULL,
        size_bytes bigint NOT NULL,
        dry_run boolean NOT NULL DEFAULT false,
        status text NOT NULL DEFAULT 'queued'
          CHECK (status IN ('queued', 'processing', 'success', 'partial', 'failure')),
        total integer,
        processed integer NOT NULL DEFAULT 0,
        failed integer NOT NULL DEFAULT 0,
        created_count integer NOT NULL DEFAULT 0,
        updated_count integer NOT NULL DEFAULT 0,
        unchanged_count integer NOT NULL DEFAULT 0,
        merged_through integer NOT NULL DEFAULT 0,
        batches integer NOT NULL DEFAULT 0,
        delimiter text,
        columns text[],
        ignored_columns text[],
        error text,
        staged_at timestamptz,
        validated_at timestamptz,
        created_at timestamptz NOT NULL,
        started_at timestamptz,
        finished_at timestamptz
      )`);
    await queryRunner.query(
      `CREATE INDEX customer_imports_company_created ON customer_imports (company_id, created_at DESC, id DESC)`,
    );
    await queryRunner.query(`
      CREATE TABLE customer_import_errors (
        import_id uuid NOT NULL REFERENCES customer_imports (id) ON DELETE CASCADE,
        row_number integer NOT NULL,
        line integer,
        field text NOT NULL,
        reason text NOT NULL,
        PRIMARY KEY (import_id, row_number, field)
      )`);
    await queryRunner.query(`
      CREATE TABLE customer_exports (
        id uuid PRIMARY KEY,
        company_id uuid NOT NULL,
        requested_by text,
        format text NOT NULL CHECK (format IN ('csv', 'json')),
        filter jsonb NOT NULL,
        filter_type text NOT NULL,
        status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'processing', 'generated', 'failed')),
        storage_key text,
        size_bytes bigint,
        row_count integer,
        error text,
        created_at timestamptz NOT NULL,
        finished_at timestamptz
      )`);
    await queryRunner.query(
      `CREATE INDEX customer_exports_company_created ON customer_exports (company_id, created_at DESC, id DESC)`,
    );
    await queryRunner.query(`CREATE SCHEMA customer_import_staging`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP SCHEMA customer_import_staging CASCADE`);
    await queryRunner.query(`DROP TABLE customer_exports`);
    await queryRunner.query(`DROP TABLE customer_import_errors`);
    await queryRunner.query(`DROP TABLE customer_imports`);
    await queryRunner.query(`DROP INDEX customers_company_external_id`);
    await queryRunner.query(`ALTER TABLE customers DROP COLUMN external_id`);
  }
}
