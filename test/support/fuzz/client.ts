import { Agent, request } from 'node:http';

export interface RawResponse {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * A connection per request: the server closes a connection after some malformed requests (an oversized
 * request line answered 431/414), and a kept-alive socket can be handed to the next request before its
 * close is seen, which fails that innocent request with "socket hang up" (seen in CI under load).
 */
const agent = new Agent({ keepAlive: false, maxSockets: 4 });

/**
 * One HTTP request with the path sent exactly as given (fetch would normalise `../` away and re-encode).
 * Resolves with status 0 and the error text when the connection fails or times out.
 */
export function send(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string | Buffer,
  timeoutMs = 15_000,
): Promise<RawResponse> {
  const base = new URL(baseUrl);
  return new Promise((resolve) => {
    let settled = false;
    const done = (response: RawResponse) => {
      if (!settled) {
        settled = true;
        resolve(response);
      }
    };
    try {
      const req = request(
        {
          agent,
          host: base.hostname,
          port: base.port,
          method,
          path,
          headers:
            body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            done({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
              headers: res.headers,
            }),
          );
          res.on('error', (error) =>
            done({ status: 0, body: `response error: ${error.message}`, headers: {} }),
          );
        },
      );
      req.on('timeout', () => {
        req.destroy(new Error(`no answer within ${timeoutMs} ms`));
      });
      req.on('error', (error) => done({ status: 0, body: `transport error: ${error.message}`, headers: {} }));
      if (body !== undefined) req.write(body);
      req.end();
    } catch (error) {
      done({ status: -1, body: `client refused to send: ${(error as Error).message}`, headers: {} });
    }
  });
}

export function closeClient(): void {
  agent.destroy();
}
