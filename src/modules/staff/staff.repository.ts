import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { returnedRows } from '../../platform/database/rows';

export interface StaffMember {
  user_id: string;
  name: string;
  email: string | null;
  phone: string | null;
  roles: string[];
  department: string | null;
  active: boolean;
}

const COLUMNS = 'user_id, name, email, phone, roles, department, active';

/** Every query of the staff directory. */
@Injectable()
export class StaffRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async upsert(companyId: string, member: Omit<StaffMember, 'active'>): Promise<StaffMember> {
    const [row] = await this.dataSource.query<StaffMember[]>(
      `INSERT INTO staff_members (company_id, user_id, name, email, phone, roles, department)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (company_id, user_id) DO UPDATE
         SET name = EXCLUDED.name, email = EXCLUDED.email, phone = EXCLUDED.phone, roles = EXCLUDED.roles,
             department = EXCLUDED.department, active = true, updated_at = now()
       RETURNING ${COLUMNS}`,
      [companyId, member.user_id, member.name, member.email, member.phone, member.roles, member.department],
    );
    return row;
  }

  /** Active members; each filter narrows (a role in a department, or anyone in a department, or by ids). */
  find(
    companyId: string,
    filter: { userIds?: string[]; role?: string; department?: string },
  ): Promise<StaffMember[]> {
    const params: unknown[] = [companyId];
    const where = ['company_id = $1', 'active'];
    if (filter.userIds) {
      params.push(filter.userIds);
      where.push(`user_id = ANY ($${params.length}::text[])`);
    }
    if (filter.role) {
      params.push(filter.role);
      where.push(`$${params.length} = ANY (roles)`);
    }
    if (filter.department) {
      params.push(filter.department);
      where.push(`department = $${params.length}`);
    }
    return this.dataSource.query<StaffMember[]>(
      `SELECT ${COLUMNS} FROM staff_members WHERE ${where.join(' AND ')} ORDER BY user_id LIMIT 5000`,
      params,
    );
  }

  async deactivate(companyId: string, userId: string): Promise<boolean> {
    const rows = returnedRows(
      await this.dataSource.query<unknown[]>(
        `UPDATE staff_members SET active = false, updated_at = now()
          WHERE company_id = $1 AND user_id = $2 AND active RETURNING user_id`,
        [companyId, userId],
      ),
    );
    return rows.length > 0;
  }
}
