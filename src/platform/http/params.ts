import { ParseUUIDPipe } from '@nestjs/common';
import { DomainException } from './domain-exception';

/** A path id that must be a uuid: anything else is the same 404 as an id that does not exist. */
export const uuidOr404 = (what: string): ParseUUIDPipe =>
  new ParseUUIDPipe({ exceptionFactory: () => DomainException.notFound(what) });
