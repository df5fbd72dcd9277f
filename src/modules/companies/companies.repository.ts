import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { Company } from './company.entity';

@Injectable()
export class CompaniesRepository {
  constructor(@InjectRepository(Company) private readonly companies: Repository<Company>) {}

  findById(id: string): Promise<Company | null> {
    return this.companies.findOneBy({ id });
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
    const [row] = result.raw as Array<{ id: string; name: string; created_at: Date; updated_at: Date }>;
    return row
      ? Object.assign(new Company(), {
          id: row.id,
          name: row.name,
          createdAt: row.created_at,
          updatedAt: row.updated_at,
        })
      : null;
  }
}
