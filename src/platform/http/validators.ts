import { registerDecorator, ValidationOptions } from 'class-validator';

/** A phone in international format, digits only after an optional `+` (what mobile-money providers take). */
export const MSISDN = /^\+?\d{9,15}$/;

/** A phone number as people write it: optional +, separators, 7 to 15 digits. */
export const PHONE_PATTERN = /^\+?(?:[\s().-]*\d){7,15}[\s().-]*$/;

/** The value serialises to at most `maxBytes` of JSON (open metadata must stay small). */
export function IsSmallJson(maxBytes: number, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isSmallJson',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `$property must be at most ${maxBytes} bytes of JSON`, ...options },
      validator: {
        validate: (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '') <= maxBytes,
      },
    });
}
