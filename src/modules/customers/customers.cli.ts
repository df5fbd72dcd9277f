import { NestFactory } from '@nestjs/core';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { Command, CommandRunner, Option } from 'nest-commander';
import { AppConfig } from '../../platform/config/app-config';
import { CLI_APP_MODULE } from '../../platform/cli/cli-app';
import { CustomersService } from './customers.service';
import { CreateCustomerDto, CustomerResponse } from './dto/customer.dto';

interface CreateOptions {
  company: string;
  name: string;
  currency: string;
  email?: string;
  phone?: string;
  tag?: string[];
  user: string;
}

/** `npm run cli -- customers:create --company <uuid> --name "Acme" --currency KES`: source `cli`. */
@Command({ name: 'customers:create', description: 'Create a customer (source: cli) and print it as JSON' })
export class CreateCustomerCommand extends CommandRunner {
  constructor(private readonly config: AppConfig) {
    super();
  }

  async run(_args: string[], options: CreateOptions): Promise<void> {
    const input = plainToInstance(CreateCustomerDto, {
      name: options.name,
      currency: options.currency,
      email: options.email,
      phone: options.phone,
      tags: options.tag,
    });
    const errors = await validate(input, { whitelist: true, forbidNonWhitelisted: true });
    if (errors.length > 0) {
      const messages = errors.flatMap((error) => Object.values(error.constraints ?? {}));
      throw new Error(`Invalid customer: ${messages.join('; ')}`);
    }
    const app = await NestFactory.createApplicationContext(CLI_APP_MODULE(this.config), { logger: false });
    try {
      const customer = await app
        .get(CustomersService)
        .create({ companyId: options.company, userId: options.user, roles: ['admin'] }, input, 'cli');
      process.stdout.write(`${JSON.stringify(CustomerResponse.from(customer))}\n`);
    } finally {
      await app.close();
    }
  }

  @Option({ flags: '--company <uuid>', required: true })
  parseCompany(value: string): string {
    if (!/^[0-9a-f-]{36}$/i.test(value)) throw new Error('--company must be a uuid');
    return value.toLowerCase();
  }

  @Option({ flags: '--name <name>', required: true })
  parseName(value: string): string {
    return value;
  }

  @Option({ flags: '--currency <code>', required: true })
  parseCurrency(value: string): string {
    return value.toUpperCase();
  }

  @Option({ flags: '--email <email>' })
  parseEmail(value: string): string {
    return value;
  }

  @Option({ flags: '--phone <phone>' })
  parsePhone(value: string): string {
    return value;
  }

  @Option({ flags: '--tag <tag>', description: 'repeatable' })
  parseTag(value: string, previous: string[] = []): string[] {
    return [...previous, value];
  }

  @Option({
    flags: '--user <id>',
    description: 'acting user recorded in the audit trail',
    defaultValue: 'cli',
  })
  parseUser(value: string): string {
    return value;
  }
}
