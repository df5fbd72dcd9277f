import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { returnedRows, violatedUniqueConstraint } from '../../../platform/database/rows';
import { DomainException } from '../../../platform/http/domain-exception';

export interface PackageRow {
  id: string;
  company_id: string;
  name: string;
  description: string | null;
  price_minor: string;
  currency: string;
  duration_seconds: number;
  data_cap_bytes: string | null;
  speed_profile: string | null;
  services: string[];
  active: boolean;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface PackageFields {
  name: string;
  description: string | null;
  priceMinor: number;
  currency: string;
  durationSeconds: number;
  dataCapBytes: number | null;
  speedProfile: string | null;
  services: string[];
  active: boolean;
}

const COLUMNS = `id, company_id, name, description, price_minor, currency, duration_seconds, data_cap_bytes,
  speed_profile, services, active, created_by, created_at, updated_at`;

const nameTaken = (error: unknown, name: string): unknown =>
  violatedUniqueConstraint(error) === 'session_packages_name'
    ? new DomainException('conflict', 'package-name-taken', `A package named "${name}" exists already`, [
        { field: 'name', message: 'must be unique' },
      ])
    : error;

/** A package taken off sale cannot be bought, nor vouchers made or redeemed for it. */
export const packageOffSale = (): DomainException =>
  new DomainException('unprocessable', 'package-inactive', 'This package is no longer on sale', [
    { field: 'package_id', message: 'choose a package on sale' },
  ]);

/** Every query on session_packages. */
@Injectable()
export class PackagesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(companyId: string, p: PackageFields, createdBy: string): Promise<PackageRow> {
    try {
      const [row] = await this.dataSource.query<PackageRow[]>(
        `INSERT INTO session_packages (company_id, name, description, price_minor, currency, duration_seconds,
           data_cap_bytes, speed_profile, services, active, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING ${COLUMNS}`,
        [
          companyId,
          p.name,
          p.description,
          p.priceMinor,
          p.currency,
          p.durationSeconds,
          p.dataCapBytes,
          p.speedProfile,
          p.services,
          p.active,
          createdBy,
        ],
      );
      return row;
    } catch (error) {
      throw nameTaken(error, p.name);
    }
  }

  async update(companyId: string, id: string, p: PackageFields): Promise<PackageRow | undefined> {
    try {
      const [row] = returnedRows(
        await this.dataSource.query<PackageRow[]>(
          `UPDATE session_packages
              SET name = $3, description = $4, price_minor = $5, currency = $6, duration_seconds = $7,
                  data_cap_bytes = $8, speed_profile = $9, services = $10, active = $11, updated_at = now()
            WHERE company_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
          [
            companyId,
            id,
            p.name,
            p.description,
            p.priceMinor,
            p.currency,
            p.durationSeconds,
            p.dataCapBytes,
            p.speedProfile,
            p.services,
            p.active,
          ],
        ),
      );
      return row;
    } catch (error) {
      throw nameTaken(error, p.name);
    }
  }

  async find(companyId: string, id: string, manager?: EntityManager): Promise<PackageRow | undefined> {
    const [row] = await (manager ?? this.dataSource).query<PackageRow[]>(
      `SELECT ${COLUMNS} FROM session_packages WHERE company_id = $1 AND id = $2`,
      [companyId, id],
    );
    return row;
  }

  /** Active packages first, then by price: what a purchase page lists. */
  list(companyId: string, activeOnly: boolean): Promise<PackageRow[]> {
    return this.dataSource.query<PackageRow[]>(
      `SELECT ${COLUMNS} FROM session_packages WHERE company_id = $1 AND ($2::boolean IS FALSE OR active)
        ORDER BY active DESC, price_minor, name LIMIT 500`,
      [companyId, activeOnly],
    );
  }
}
