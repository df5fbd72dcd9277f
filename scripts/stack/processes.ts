import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, WriteStream } from 'node:fs';
import { connect, createServer } from 'node:net';

/**
 * The launcher's own small process helper. test/support/processes.ts does much the same for tests, but
 * it imports the test app factory (and with it the whole service), so the launcher keeps its own.
 */

export type LogLine = Record<string, unknown>;

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  /** `api-1`, `worker-2`, `nginx`, … */
  name: string;
  child: ChildProcess;
  /** Parsed JSON lines from stdout (non-JSON lines as `{ unparsed }`), unless the stack keeps none. */
  lines: LogLine[];
  /** The last stderr output, for error messages. */
  stderrTail(): string;
  /** Settles when the process has exited, with its code or signal. */
  exited: Promise<ExitStatus>;
  /** The exit status once exited, undefined while running. */
  exitStatus(): ExitStatus | undefined;
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** Keep parsed stdout lines in memory (tests read them); off for a long-running stack. */
  keepLines: boolean;
  /** Raw stdout and stderr are appended here. */
  logFile?: string;
  onLine?: (line: LogLine) => void;
}

const STDERR_TAIL_CHARS = 4000;

export function spawnManaged(options: SpawnOptions): ManagedProcess {
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a Ctrl-C in the terminal reaches the launcher only, which then stops the
    // children in order (load balancer first, then APIs, then workers).
    detached: true,
  });
  const lines: LogLine[] = [];
  let stderr = '';
  let buffer = '';
  let file: WriteStream | undefined;
  if (options.logFile) {
    file = createWriteStream(options.logFile, { flags: 'a' });
    file.on('error', () => undefined);
  }
  const take = (line: string): void => {
    if (line.length === 0) return;
    let parsed: LogLine;
    try {
      const value: unknown = JSON.parse(line);
      parsed = value !== null && typeof value === 'object' ? (value as LogLine) : { unparsed: line };
    } catch {
      parsed = { unparsed: line };
    }
    if (options.keepLines) lines.push(parsed);
    options.onLine?.(parsed);
  };
  child.stdout.on('data', (chunk: Buffer) => {
    file?.write(chunk);
    buffer += chunk.toString('utf8');
    let index: number;
    while ((index = buffer.indexOf('\n')) >= 0) {
      take(buffer.slice(0, index));
      buffer = buffer.slice(index + 1);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => {
    file?.write(chunk);
    stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
  });
  let status: ExitStatus | undefined;
  const exited = new Promise<ExitStatus>((resolve) => {
    let closed = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (closed) return;
      closed = true;
      take(buffer);
      buffer = '';
      status = { code, signal };
      file?.end();
      resolve(status);
    };
    // 'close' comes after the pipes are drained, so every line is in `lines` when `exited` settles.
    child.once('close', finish);
    child.once('error', (error) => {
      stderr += `\n${error.message}`;
      finish(null, null);
    });
  });
  return {
    name: options.name,
    child,
    lines,
    stderrTail: () => stderr,
    exited,
    exitStatus: () => status,
  };
}

/** Sends `signal`, waits up to `timeoutMs` for the exit, then SIGKILLs. Returns how it ended. */
export async function stopManaged(
  managed: ManagedProcess,
  signal: NodeJS.Signals = 'SIGTERM',
  timeoutMs = 30_000,
): Promise<ExitStatus> {
  const already = managed.exitStatus();
  if (already) return already;
  try {
    managed.child.kill(signal);
  } catch {
    // gone already: `exited` settles
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const first = await Promise.race([managed.exited, timedOut]);
  clearTimeout(timer);
  if (first !== 'timeout') return first;
  try {
    managed.child.kill('SIGKILL');
  } catch {
    // gone meanwhile
  }
  return managed.exited;
}

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Polls `probe` until it returns true; fails with `what` after `timeoutMs`, or at once if `abort` says why. */
export async function poll(
  probe: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs: number,
  abort?: () => string | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    const reason = abort?.();
    if (reason) throw new Error(`${what}: ${reason}`);
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
