import { Company } from './modules/companies/company.entity';
import { CustomerCommunication } from './modules/customers/entities/customer-communication.entity';
import { CustomerContact } from './modules/customers/entities/customer-contact.entity';
import { Customer } from './modules/customers/entities/customer.entity';

/** Every TypeORM entity, for the CLI's schema drift check and generator (the app loads them per module). */
export const ENTITIES = [Company, Customer, CustomerContact, CustomerCommunication];
