import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import { ApiError, isAbort } from '../api';
import type { Problem } from '../types';

export interface ShownProblem extends Problem {
  /** What the user was doing, e.g. "Adding the comment". */
  context?: string;
}

/** Reports an error to the page's one alert region (RFC 9457 problems shown as the API wrote them). */
export type ReportError = (error: unknown, context?: string) => void;

export const ReportErrorContext = createContext<ReportError>(() => undefined);

export const useReportError = (): ReportError => useContext(ReportErrorContext);

export function toShownProblem(error: unknown, context?: string): ShownProblem | null {
  if (isAbort(error)) return null;
  if (error instanceof ApiError) return { ...error.problem, status: error.status, context };
  return { title: 'Something went wrong in the page', detail: String(error), context };
}

/** role="alert": announced at once by screen readers; always in the DOM so the announcement is reliable. */
export function AlertRegion({ problem, onDismiss }: { problem: ShownProblem | null; onDismiss: () => void }) {
  return (
    <div role="alert" class={problem ? 'alert' : 'alert alert--empty'} data-testid="alert">
      {problem && (
        <>
          <p class="alert__title">
            {problem.context ? `${problem.context} failed: ` : ''}
            {problem.title ?? 'Request failed'}
            {problem.status ? ` (${problem.status})` : ''}
          </p>
          {problem.detail && <p>{problem.detail}</p>}
          {problem.errors && problem.errors.length > 0 && (
            <ul>
              {problem.errors.map((e) => (
                <li key={`${e.field}:${e.message}`}>
                  <code>{e.field}</code>: {e.message}
                </li>
              ))}
            </ul>
          )}
          {problem.correlation_id && (
            <p class="muted">
              Correlation id <code>{problem.correlation_id}</code>
            </p>
          )}
          <button type="button" class="button button--quiet" onClick={onDismiss}>
            Dismiss
          </button>
        </>
      )}
    </div>
  );
}

/** The current time, ticking every `intervalMs`: SLA timers count down without reloading anything. */
export function useNow(intervalMs = 15_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

async function writeClipboard(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.className = 'visually-hidden';
  document.body.appendChild(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('copy refused');
}

/** Copies `text`; the result is announced politely next to the button. */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const timer = setTimeout(() => setState('idle'), 4000);
    return () => clearTimeout(timer);
  }, [state]);
  return (
    <span class="copy">
      <button
        type="button"
        class="button button--small"
        onClick={() => {
          writeClipboard(text).then(
            () => setState('copied'),
            () => setState('failed'),
          );
        }}
      >
        {label}
      </button>
      <span role="status" class="copy__status">
        {state === 'copied' ? 'Copied' : state === 'failed' ? 'Could not copy: select the text instead' : ''}
      </span>
    </span>
  );
}

const TONES: Record<string, string> = {
  active: 'ok',
  succeeded: 'ok',
  success: 'ok',
  sent: 'ok',
  delivered: 'ok',
  completed: 'ok',
  resolved: 'ok',
  closed: 'muted',
  inactive: 'muted',
  expired: 'muted',
  terminated: 'muted',
  canceled: 'muted',
  suppressed: 'muted',
  processing: 'info',
  pending: 'info',
  queued: 'info',
  open: 'info',
  new: 'info',
  waiting_external: 'warn',
  blocked: 'bad',
  failed: 'bad',
  error: 'bad',
};

/** A status word with a colour; the word itself carries the meaning (never colour alone). */
export function Badge({ value }: { value: string | null | undefined }) {
  const tone = TONES[value ?? ''] ?? 'muted';
  return <span class={`badge badge--${tone}`}>{value ? value.replace(/_/g, ' ') : '—'}</span>;
}
