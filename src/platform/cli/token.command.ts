import { randomUUID } from 'node:crypto';
import { Command, CommandRunner, Option } from 'nest-commander';
import { DataSource } from 'typeorm';
import { Role, ROLES } from '../auth/principal';
import { mintToken } from '../auth/tokens';
import { AppConfig } from '../config/app-config';
import { dataSourceOptions } from '../database/data-source-options';

interface TokenOptions {
  company?: string;
  role: Role[];
  user?: string;
  customer?: string;
  ttl: number;
  name?: string;
  register: boolean;
}

/** `npm run token -- --company <id> --role admin`: a development token, and the company registered. */
@Command({ name: 'token', description: 'Mint a development JWT (HS256 with JWT_SECRET)' })
export class TokenCommand extends CommandRunner {
  constructor(private readonly config: AppConfig) {
    super();
  }

  async run(_args: string[], options: TokenOptions): Promise<void> {
    const companyId = options.company ?? randomUUID();
    const roles = options.role?.length ? options.role : (['admin'] as Role[]);
    if (options.register)
      await this.registerCompany(companyId, options.name ?? `Company ${companyId.slice(0, 8)}`);
    const token = await mintToken(this.config.JWT_SECRET, {
      companyId,
      roles,
      userId: options.user,
      customerId: options.customer,
      ttlSeconds: options.ttl,
    });
    process.stdout.write(`${token}\n`);
  }

  private async registerCompany(id: string, name: string): Promise<void> {
    const dataSource = new DataSource(dataSourceOptions({ ...this.config, DATABASE_POOL_MAX: 1 }));
    try {
      await dataSource.initialize();
      await dataSource.query(`INSERT INTO companies (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, [
        id,
        name,
      ]);
    } catch (error) {
      process.stderr.write(`(company not registered: ${(error as Error).message})\n`);
    } finally {
      if (dataSource.isInitialized) await dataSource.destroy();
    }
  }

  @Option({ flags: '--company <uuid>', description: 'company_id claim (default: a new uuid)' })
  parseCompany(value: string): string {
    if (!/^[0-9a-f-]{36}$/i.test(value)) throw new Error('--company must be a uuid');
    return value;
  }

  @Option({ flags: '--role <role>', description: `one of ${ROLES.join(', ')}; repeatable` })
  parseRole(value: string, previous: Role[] = []): Role[] {
    if (!ROLES.includes(value as Role)) throw new Error(`--role must be one of ${ROLES.join(', ')}`);
    return [...previous, value as Role];
  }

  @Option({ flags: '--user <id>', description: 'sub claim (default: a new uuid)' })
  parseUser(value: string): string {
    return value;
  }

  @Option({ flags: '--customer <uuid>', description: 'customer_id claim, for customer tokens' })
  parseCustomer(value: string): string {
    return value;
  }

  @Option({ flags: '--ttl <seconds>', description: 'lifetime in seconds', defaultValue: 3600 })
  parseTtl(value: string): number {
    return Number(value);
  }

  @Option({ flags: '--name <name>', description: 'company name when registering it' })
  parseName(value: string): string {
    return value;
  }

  @Option({ flags: '--no-register', description: 'do not register the company in the database' })
  parseRegister(): boolean {
    return false;
  }
}
