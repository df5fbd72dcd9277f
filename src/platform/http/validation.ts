import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainException, FieldError } from './domain-exception';

/** Deeper than any body this API defines; deeper input would overflow class-transformer's recursion. */
export const MAX_INPUT_DEPTH = 32;

const isCleanText = (text: string): boolean => !text.includes('\u0000') && text.isWellFormed();

/**
 * Refuses input no field of this API can hold, before any validator sees it: nesting deeper than
 * MAX_INPUT_DEPTH, NUL characters (PostgreSQL text cannot store them) and lone UTF-16 surrogates (not
 * Unicode; validator.js's isEmail throws on them). Iterative, so hostile depth cannot overflow it.
 */
export function assertSaneInput(value: unknown, where: string): void {
  const stack: Array<{ value: unknown; depth: number; path: string }> = [{ value, depth: 0, path: where }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item.value === 'string') {
      if (!isCleanText(item.value)) {
        throw new DomainException('invalid_input', 'validation-failed', 'The request has invalid fields', [
          { field: item.path, message: 'must be valid Unicode text without NUL characters' },
        ]);
      }
    } else if (item.value !== null && typeof item.value === 'object') {
      if (item.depth >= MAX_INPUT_DEPTH) {
        throw new DomainException('invalid_input', 'validation-failed', 'The request is nested too deeply', [
          { field: item.path, message: `at most ${MAX_INPUT_DEPTH} levels of nesting` },
        ]);
      }
      for (const [key, child] of Object.entries(item.value)) {
        if (!isCleanText(key)) {
          throw new DomainException('invalid_input', 'validation-failed', 'The request has invalid fields', [
            { field: item.path, message: 'field names must be valid Unicode without NUL characters' },
          ]);
        }
        stack.push({ value: child, depth: item.depth + 1, path: `${item.path}.${key}` });
      }
    }
  }
}

/** The global pipe: the sanity pass above, then class-validator. */
class SaneValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query') assertSaneInput(value, metadata.type);
    return super.transform(value, metadata) as Promise<unknown>;
  }
}

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** Global request validation: unknown fields rejected, types converted, every fault named by field. */
export function createValidationPipe(): ValidationPipe {
  return new SaneValidationPipe({
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
