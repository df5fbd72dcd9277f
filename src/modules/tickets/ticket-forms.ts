import type { FieldError } from '../../platform/http/domain-exception';

export interface FormField {
  name: string;
  type: 'string' | 'text' | 'integer' | 'enum';
  required: boolean;
  options?: string[];
}

/** Seed 004's ticket templates, ready for a company to attach to a category. */
export const BUILT_IN_FORMS: Record<string, FormField[]> = {
  bug_report: [
    { name: 'severity', type: 'enum', required: true, options: ['critical', 'high', 'medium', 'low'] },
    { name: 'affected_users', type: 'string', required: true },
    { name: 'steps_to_reproduce', type: 'text', required: true },
    { name: 'expected', type: 'text', required: true },
    { name: 'actual', type: 'text', required: true },
    { name: 'browser_device', type: 'string', required: false },
  ],
  feature_request: [
    { name: 'requested_by', type: 'string', required: true },
    { name: 'use_case', type: 'text', required: true },
    { name: 'priority', type: 'enum', required: true, options: ['high', 'medium', 'low'] },
  ],
};

const MAX_LENGTH: Record<FormField['type'], number> = { string: 200, text: 10_000, integer: 0, enum: 0 };

/** Checks submitted structured fields against a form: required, typed, and nothing the form does not name. */
export function validateFormFields(form: FormField[], values: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = [];
  const known = new Set(form.map((field) => field.name));
  for (const name of Object.keys(values)) {
    if (!known.has(name))
      errors.push({ field: `fields.${name}`, message: `${name} is not a field of this form` });
  }
  for (const field of form) {
    const value = values[field.name];
    const at = `fields.${field.name}`;
    if (value === undefined || value === null || value === '') {
      if (field.required) errors.push({ field: at, message: `${field.name} is required` });
      continue;
    }
    switch (field.type) {
      case 'string':
      case 'text':
        if (typeof value !== 'string') errors.push({ field: at, message: `${field.name} must be text` });
        else if (value.length > MAX_LENGTH[field.type]) {
          errors.push({
            field: at,
            message: `${field.name} must be at most ${MAX_LENGTH[field.type]} characters`,
          });
        }
        break;
      case 'integer':
        if (!Number.isInteger(value))
          errors.push({ field: at, message: `${field.name} must be a whole number` });
        break;
      case 'enum':
        if (!field.options?.includes(value as string)) {
          errors.push({
            field: at,
            message: `${field.name} must be one of ${(field.options ?? []).join(', ')}`,
          });
        }
        break;
    }
  }
  return errors;
}
