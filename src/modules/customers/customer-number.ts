/** `CUST-000001`: six digits at least, more once a company passes a million customers. */
export function formatCustomerNumber(value: number | string): string {
  return `CUST-${String(value).padStart(6, '0')}`;
}
