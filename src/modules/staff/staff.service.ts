import { Injectable } from '@nestjs/common';
import type { Principal } from '../../platform/auth/principal';
import { STAFF_ROLES } from '../../platform/auth/principal';
import { DomainException } from '../../platform/http/domain-exception';
import type { UpsertStaffDto } from './dto/staff.dto';
import { StaffMember, StaffRepository } from './staff.repository';

export type { StaffMember } from './staff.repository';

/**
 * Roles the directory addresses people by: the token roles plus the escalation tiers of seed 001
 * (team lead, director), which grant no permissions of their own.
 */
export const DIRECTORY_ROLES = [...STAFF_ROLES, 'team_lead', 'director'];

/** The staff directory: the module's public API (notifications and tickets address people through it). */
@Injectable()
export class StaffService {
  constructor(private readonly repository: StaffRepository) {}

  upsert(principal: Principal, userId: string, input: UpsertStaffDto): Promise<StaffMember> {
    return this.repository.upsert(principal.companyId, {
      user_id: userId,
      name: input.name,
      email: input.email ?? null,
      phone: input.phone ?? null,
      roles: [...new Set(input.roles)],
      department: input.department ?? null,
    });
  }

  async list(principal: Principal, filter: { role?: string; department?: string }) {
    return { data: await this.repository.find(principal.companyId, filter) };
  }

  async remove(principal: Principal, userId: string): Promise<void> {
    if (!(await this.repository.deactivate(principal.companyId, userId)))
      throw DomainException.notFound('Staff member');
  }

  /** Active staff of a company by user ids, or by role (optionally within a department). */
  find(
    companyId: string,
    filter: { userIds?: string[]; role?: string; department?: string },
  ): Promise<StaffMember[]> {
    return this.repository.find(companyId, filter);
  }
}
