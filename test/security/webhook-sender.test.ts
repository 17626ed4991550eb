import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { listen } from '../../src/http/server.ts';
import { createHttpWebhookSender } from '../../src/webhooks/http-sender.ts';

/**
 * What a receiver (or whoever answers at WEBHOOK_URL) can make the sender do: it is told where to go next, or answers
 * without end. The sender follows nobody, reads no answer, and says why an attempt failed without the URL.
 */
const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await listen(server, 0, '127.0.0.1');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const KEY = Buffer.alloc(32, 7);
const message = { messageId: 'msg_redteam', body: '{"type":"key.revoked"}' };

describe('the webhook sender', () => {
  it('never follows a redirect: each is a failed attempt, and the address it names gets nothing', async () => {
    let reached = 0;
    const elsewhere = await serve((_req, res) => {
      reached += 1;
      res.writeHead(200).end();
    });
    const outcomes = [];
    for (const status of [301, 302, 303, 307, 308]) {
      const url = await serve((_req, res) =>
        res.writeHead(status, { location: `${elsewhere}/latest/meta-data/` }).end(),
      );
      outcomes.push(await createHttpWebhookSender({ url, key: KEY, timeoutMs: 5_000 }).send(message));
    }
    expect(outcomes).toEqual([301, 302, 303, 307, 308].map((s) => ({ ok: false, reason: `HTTP ${s}` })));
    expect(reached).toBe(0);
  });

  it('reads no answer: a receiver that answers without end neither holds the attempt nor is read', async () => {
    let written = 0;
    let closed = false;
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      // Bounded, so that a sender that did read everything fails the test instead of running forever.
      const pump = () => {
        while (!closed && written < 4096 && res.write(chunk)) written += 1;
        if (!closed && written < 4096) res.once('drain', pump);
        else res.end();
      };
      res.on('close', () => {
        closed = true;
      });
      pump();
    });
    const outcome = await createHttpWebhookSender({ url, key: KEY, timeoutMs: 60_000 }).send(message);
    expect(outcome).toEqual({ ok: true });
    await new Promise<void>((resolve) => {
      const wait = () => (closed ? resolve() : setTimeout(wait, 20));
      wait();
    });
    // 4096 chunks of 64 KiB is 256 MiB: the connection was dropped long before.
    expect(written).toBeLessThan(4096);
  });

  it('says why an attempt failed without the URL, whose path may hold a token', async () => {
    const closedPort = await serve(() => {}).then(async (url) => {
      const server = servers.pop() as http.Server;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      return url;
    });
    const url = `${closedPort}/hooks/s3cr3t-path-token`;
    const outcome = await createHttpWebhookSender({ url, key: KEY, timeoutMs: 5_000 }).send(message);
    expect(outcome.ok).toBe(false);
    expect(JSON.stringify(outcome)).not.toContain('s3cr3t-path-token');
  });
});
