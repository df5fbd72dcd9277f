import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { Company } from './company.entity';

@Injectable()
export class CompaniesRepository {
  constructor(@InjectRepository(Company) private readonly companies: Repository<Company>) {}

  /** Raw SQL: this read is on every /v1/me, and TypeORM's entity machinery costs more than the query. */
  async findById(id: string): Promise<Company | null> {
    const [row] = await this.companies.query<CompanyRow[]>(
      'SELECT id, name, created_at, updated_at FROM companies WHERE id = $1',
      [id],
    );
    return row ? toCompany(row) : null;
  }

  async upsert(id: string, name: string): Promise<Company> {
    await this.companies.upsert({ id, name }, ['id']);
    return this.companies.findOneByOrFail({ id });
  }

  async rename(manager: EntityManager, id: string, name: string): Promise<Company | null> {
    const result = await manager
      .createQueryBuilder()
      .update(Company)
      .set({ name })
      .where('id = :id', { id })
      .returning('*')
      .execute();
    const [row] = result.raw as CompanyRow[];
    return row ? toCompany(row) : null;
  }
}

interface CompanyRow {
  id: string;
  name: string;
  created_at: Date;
  updated_at: Date;
}

function toCompany(row: CompanyRow): Company {
  return Object.assign(new Company(), {
    id: row.id,
    name: row.name,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}
