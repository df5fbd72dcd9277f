export const ROLES = ['admin', 'manager', 'agent', 'viewer', 'customer'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, as proven by the token. The tenant (`companyId`) comes from here and nowhere else. */
export interface Principal {
  userId: string;
  companyId: string;
  roles: Role[];
  /** Set on customer portal tokens: such a caller sees only this customer's records. */
  customerId?: string;
}

export const STAFF_ROLES: Role[] = ['admin', 'manager', 'agent', 'viewer'];
