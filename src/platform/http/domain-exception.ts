/**
 * What went wrong, in terms the HTTP layer maps to a status. Modules throw `DomainException` with one
 * of these kinds and a module-specific `code` (it becomes the problem `type`), never an HttpException.
 */
export type DomainErrorKind =
  | 'invalid_input'
  | 'not_found'
  | 'conflict'
  | 'invalid_state'
  | 'unprocessable'
  | 'forbidden'
  | 'unauthorized'
  | 'precondition_failed'
  | 'too_large'
  | 'unsupported_media_type'
  | 'gone'
  | 'unavailable';

export interface FieldError {
  field: string;
  message: string;
}

export class DomainException extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    readonly code: string,
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
    this.name = 'DomainException';
  }

  static notFound(resource: string): DomainException {
    return new DomainException('not_found', 'not-found', `${resource} was not found`);
  }
}
