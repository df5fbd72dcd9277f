import { ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainException, FieldError } from './domain-exception';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** Global request validation: unknown fields rejected, types converted, every fault named by field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) =>
      new DomainException(
        'invalid_input',
        'validation-failed',
        'The request has invalid fields',
        flatten(errors),
      ),
  });
}
