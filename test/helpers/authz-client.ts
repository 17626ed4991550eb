import net from 'node:net';

export const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

export interface AuthzAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown> | undefined;
}

/** Asks a running server's /authz as a gateway would. */
export async function askAuthz(
  port: number,
  headers: Record<string, string>,
  path = '/authz',
  method = 'GET',
): Promise<AuthzAnswer> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>),
  };
}

/** Sends bytes exactly as given (non-ASCII, oversized headers) and returns the status code of the answer. */
export function rawStatus(port: number, request: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      const match = /^HTTP\/1\.1 (\d{3})/.exec(answer);
      if (match !== null) {
        socket.destroy();
        resolve(Number(match[1]));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`connection closed without an answer: ${JSON.stringify(answer)}`)));
    socket.write(request);
  });
}

/** Polls until `predicate` holds; returns how long that took. */
export async function waitUntil(predicate: () => Promise<boolean>, timeoutMs = 10_000): Promise<number> {
  const started = performance.now();
  while (!(await predicate())) {
    if (performance.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return performance.now() - started;
}
