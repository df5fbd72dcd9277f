import { Company } from './modules/companies/company.entity';

/** Every TypeORM entity, for the CLI's schema drift check and generator (the app loads them per module). */
export const ENTITIES = [Company];
