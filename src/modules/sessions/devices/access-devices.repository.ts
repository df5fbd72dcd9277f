import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { returnedRows } from '../../../platform/database/rows';

export interface AccessDeviceRow {
  id: string;
  company_id: string;
  name: string;
  key_prefix: string;
  created_by: string | null;
  created_at: Date;
  revoked_at: Date | null;
}

const COLUMNS = 'id, company_id, name, key_prefix, created_by, created_at, revoked_at';

/** Access controllers (NAS) and the hashes of their keys. */
@Injectable()
export class AccessDevicesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(companyId: string, name: string, keyHash: Buffer, keyPrefix: string, createdBy: string) {
    const [row] = await this.dataSource.query<AccessDeviceRow[]>(
      `INSERT INTO access_devices (company_id, name, key_hash, key_prefix, created_by)
       VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
      [companyId, name, keyHash, keyPrefix, createdBy],
    );
    return row;
  }

  list(companyId: string): Promise<AccessDeviceRow[]> {
    return this.dataSource.query<AccessDeviceRow[]>(
      `SELECT ${COLUMNS} FROM access_devices WHERE company_id = $1 ORDER BY created_at DESC LIMIT 500`,
      [companyId],
    );
  }

  async revoke(companyId: string, id: string): Promise<AccessDeviceRow | undefined> {
    const [row] = returnedRows(
      await this.dataSource.query<AccessDeviceRow[]>(
        `UPDATE access_devices SET revoked_at = COALESCE(revoked_at, now())
          WHERE company_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
        [companyId, id],
      ),
    );
    return row;
  }

  /** The live device a key hash belongs to (a unique index: one probe). */
  async byKeyHash(keyHash: Buffer): Promise<AccessDeviceRow | undefined> {
    const [row] = await this.dataSource.query<AccessDeviceRow[]>(
      `SELECT ${COLUMNS} FROM access_devices WHERE key_hash = $1 AND revoked_at IS NULL`,
      [keyHash],
    );
    return row;
  }
}
