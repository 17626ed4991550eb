import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { unusedLocalPort } from './local-ports.ts';

/**
 * A Standard Webhooks consumer's check, written from the specification (standardwebhooks.com), not from our code:
 * the secret is base64 after `whsec_`; the signed content is `id.timestamp.body`; the header is a space-separated
 * list of `v1,<base64>`, any of which may match; a timestamp more than 5 minutes off is refused.
 */
export function verifyStandardWebhook(
  secret: string,
  headers: Record<string, string | undefined>,
  body: string,
  now: Date = new Date(),
): { type: string; timestamp: string; data: Record<string, unknown> } {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (id === undefined || timestamp === undefined || signatures === undefined) throw new Error('missing headers');
  if (!/^\d+$/.test(timestamp)) throw new Error('timestamp is not whole seconds');
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > 5 * 60) throw new Error('timestamp too far off');
  if (!secret.startsWith('whsec_')) throw new Error('not a whsec_ secret');
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  const matches = signatures.split(' ').some((entry) => {
    const [version, signature] = entry.split(',');
    if (version !== 'v1' || signature === undefined) return false;
    const given = Buffer.from(signature, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) throw new Error('no signature matches');
  return JSON.parse(body);
}

export interface ReceivedRequest {
  headers: Record<string, string | undefined>;
  body: string;
  /** What the receiver answered (0: it never answered). */
  status: number;
}

/** Chooses the answer to a request: a status, or 'hang' to never answer. */
export type Answer = (request: Omit<ReceivedRequest, 'status'>) => number | 'hang';

/**
 * A real HTTP receiver on a fixed local port, which can be down (nothing listens: connection refused), up, and
 * restarted. Every request that reached it is kept, with what it answered.
 */
export function createWebhookReceiver(answer: Answer = () => 204) {
  const port = unusedLocalPort();
  const requests: ReceivedRequest[] = [];
  const hanging = new Set<ServerResponse>();
  let server: Server | undefined;
  let currentAnswer = answer;

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(req.headers)) headers[name] = String(value);
      const request = { headers, body: Buffer.concat(chunks).toString('utf8') };
      const status = currentAnswer(request);
      if (status === 'hang') {
        requests.push({ ...request, status: 0 });
        hanging.add(res);
        return;
      }
      requests.push({ ...request, status });
      res.writeHead(status).end();
    });
  };

  return {
    url: `http://127.0.0.1:${port}/hooks`,
    requests,
    answer(next: Answer) {
      currentAnswer = next;
    },
    /** Requests answered 2xx, in arrival order. */
    delivered(): ReceivedRequest[] {
      return requests.filter((r) => r.status >= 200 && r.status < 300);
    },
    hangingCount: () => hanging.size,
    async start(): Promise<void> {
      const started = createServer(handle);
      await new Promise<void>((resolve, reject) => {
        started.once('error', reject);
        started.listen(port, '127.0.0.1', () => resolve());
      });
      server = started;
    },
    async stop(): Promise<void> {
      const stopping = server;
      server = undefined;
      if (stopping === undefined) return;
      for (const res of hanging) res.destroy();
      hanging.clear();
      stopping.closeAllConnections();
      await new Promise<void>((resolve) => stopping.close(() => resolve()));
    },
  };
}
