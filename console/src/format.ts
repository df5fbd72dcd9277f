/** Display helpers. Every time is shown in the viewer's own time zone (the browser's), via Intl. */

export const timeZone: string = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateTimeSeconds = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function formatDateTime(iso: string | null | undefined, seconds = false): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return (seconds ? dateTimeSeconds : dateTime).format(date);
}

/** A duration for people: 85 ms, 4.2 s, 3m 05s, 2h 10m, 3d 4h. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(abs)} ms`;
  if (abs < 60_000) return `${(abs / 1000).toFixed(1)} s`;
  const totalSeconds = Math.floor(abs / 1000);
  const days = Math.floor(totalSeconds / 86_400);
  const hours = Math.floor((totalSeconds % 86_400) / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const secs = totalSeconds % 60;
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${String(minutes).padStart(2, '0')}m`;
  return `${minutes}m ${String(secs).padStart(2, '0')}s`;
}

/** "due in 2h 05m" or "overdue by 12m 00s", against `now`. */
export function formatDue(iso: string | null, now: number): { text: string; overdue: boolean } {
  if (!iso) return { text: '—', overdue: false };
  const left = new Date(iso).getTime() - now;
  return left >= 0
    ? { text: `due in ${formatDuration(left)}`, overdue: false }
    : { text: `overdue by ${formatDuration(-left)}`, overdue: true };
}

const moneyFormats = new Map<string, Intl.NumberFormat>();

/** Integer minor units and an ISO 4217 currency, shown in the currency's own decimals. */
export function formatMoney(minor: number | null | undefined, currency: string): string {
  if (minor === null || minor === undefined) return '—';
  let format = moneyFormats.get(currency);
  if (!format) {
    try {
      format = new Intl.NumberFormat(undefined, { style: 'currency', currency });
    } catch {
      format = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    }
    moneyFormats.set(currency, format);
  }
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(Number(minor) / 10 ** digits);
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '—';
  let value = Number(bytes);
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

export function formatPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '—';
  return `${Math.round(ratio * 100)}%`;
}

/** snake_case words from the API, for people: "external_service_error" → "external service error". */
export function humanize(value: string | null | undefined): string {
  return value ? value.replace(/_/g, ' ') : '—';
}

const FLOWS: Record<string, string> = {
  bank_account_setup: 'Bank account setup',
  payment: 'Payment',
  ticket_submission: 'Ticket',
};

/** A journey flow's name for people: "bank_account_setup" → "Bank account setup". */
export const flowName = (flow: string): string => FLOWS[flow] ?? humanize(flow);

export function checksOf(check: string[] | string | null | undefined): string[] {
  if (!check) return [];
  return Array.isArray(check) ? check : [check];
}
