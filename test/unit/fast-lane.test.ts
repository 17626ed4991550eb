import net from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { authzRoute } from '../../src/http/authz-route.ts';
import type { LaneHandler } from '../../src/http/fast-lane.ts';
import { createHttpServer, type HttpServer, listen } from '../../src/http/server.ts';
import { createLogger } from '../../src/logger.ts';

/**
 * The fast lane over real sockets: the same listener serves `/lane` on the lane and everything else with node:http
 * (the `/node` route echoes what node:http saw). Every answer says who gave it (`x-by`).
 */
const servers: HttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const echo: LaneHandler = (req, res, requestId) => {
  const body = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, raw: req.rawHeaders });
  res.writeHead(200, [
    'content-type',
    'application/json',
    'content-length',
    String(Buffer.byteLength(body)),
    'x-by',
    'lane',
    'x-request-id',
    requestId,
  ]);
  res.end(body);
};

async function start(options: { fast?: LaneHandler; setup?: (server: HttpServer) => void } = {}) {
  const fast = options.fast ?? echo;
  const http = createHttpServer({
    logger: createLogger('silent'),
    readiness: [],
    routes: [
      {
        prefix: '/lane',
        writesRequestId: true,
        // The same route through node:http (a request the lane hands over): says so.
        handler: (req, res) => {
          const body = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, raw: req.rawHeaders });
          res.writeHead(200, [
            'content-type',
            'application/json',
            'x-by',
            'node',
            'content-length',
            String(Buffer.byteLength(body)),
          ]);
          res.end(body);
        },
        fastLane: fast,
      },
    ],
  });
  options.setup?.(http);
  servers.push(http);
  await listen(http.server, 0, '127.0.0.1');
  return http.port();
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends raw bytes (in pieces, if given several) and reads answers until `count` arrived or the socket closed. */
function exchange(
  port: number,
  pieces: string[],
  count: number,
  gapMs = 0,
  bodyless: readonly number[] = [],
  lingerMs = 150,
): Promise<{ answers: Answer[]; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let closed = false;
    let done = false;
    const answers: Answer[] = [];
    const settle = () => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve({ answers, closed });
    };
    // Once the answers are in, a close the server is about to make is waited for briefly.
    const finish = () => setTimeout(settle, lingerMs);
    const parse = () => {
      for (;;) {
        const end = received.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = received.subarray(0, end).toString('latin1').split('\r\n');
        const headers: Record<string, string> = {};
        for (const line of head.slice(1)) {
          const colon = line.indexOf(':');
          headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
        }
        const length = bodyless.includes(answers.length) ? 0 : Number(headers['content-length'] ?? 0);
        if (received.length < end + 4 + length) return;
        answers.push({
          status: Number((head[0] as string).split(' ')[1]),
          headers,
          body: received.subarray(end + 4, end + 4 + length).toString('utf8'),
        });
        received = received.subarray(end + 4 + length);
        if (answers.length === count) return finish();
      }
    };
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      parse();
    });
    socket.on('close', () => {
      closed = true;
      settle();
    });
    socket.on('error', reject);
    socket.on('connect', async () => {
      for (const piece of pieces) {
        socket.write(piece);
        if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
      }
    });
  });
}

const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: authz\r\n${extra}\r\n`;

describe('the fast lane', () => {
  it('answers its route on the lane, keeps the connection, and answers in order', async () => {
    const port = await start();
    const { answers, closed } = await exchange(port, [get('/lane?a=1'), get('/lane/v1/users'), get('/lane')], 3, 20);
    expect(answers.map((a) => [a.status, a.headers['x-by'], JSON.parse(a.body).url])).toEqual([
      [200, 'lane', '/lane?a=1'],
      [200, 'lane', '/lane/v1/users'],
      [200, 'lane', '/lane'],
    ]);
    expect(closed).toBe(false);
    expect(answers[0]?.headers.connection).toBe('keep-alive');
    expect(answers[0]?.headers['keep-alive']).toBe('timeout=65');
    expect(answers[0]?.headers.date).toMatch(/GMT$/);
  });

  it('hands a connection that starts with another path to node:http', async () => {
    const port = await start();
    const { answers } = await exchange(port, [get('/healthz'), get('/lane')], 2, 20);
    expect(answers.map((a) => [a.status, a.headers['x-by'] ?? 'probe'])).toEqual([
      [200, 'probe'],
      [200, 'node'],
    ]);
  });

  it('hands over at the first byte of another request, pipelined or not', async () => {
    const port = await start();
    const pipelined = get('/lane') + get('/healthz') + get('/lane') + get('/nowhere');
    const { answers } = await exchange(port, [pipelined], 4);
    expect(answers.map((a) => [a.status, a.headers['x-by'] ?? '-'])).toEqual([
      [200, 'lane'],
      [200, '-'],
      [200, 'node'],
      [404, '-'],
    ]);
    const stepwise = await exchange(port, [get('/lane'), get('/lane'), get('/nowhere')], 3, 20);
    expect(stepwise.answers.map((a) => [a.status, a.headers['x-by'] ?? '-'])).toEqual([
      [200, 'lane'],
      [200, 'lane'],
      [404, '-'],
    ]);
  });

  it('hands over a request whose head arrives in pieces, with the pieces it already read', async () => {
    const port = await start();
    const post = `POST /lane HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello`;
    const pieces = [get('/lane'), ...(post.match(/.{1,7}/gs) as string[]), get('/lane')];
    const { answers } = await exchange(port, pieces, 3, 5);
    expect(answers.map((a) => [a.status, a.headers['x-by'], JSON.parse(a.body).method])).toEqual([
      [200, 'lane', 'GET'],
      [200, 'node', 'POST'],
      [200, 'node', 'GET'],
    ]);
  });

  it('leaves requests with a body, Expect, an upgrade or no Host (HTTP/1.1) to node:http', async () => {
    const port = await start();
    const body = `POST /lane HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello`;
    const chunked = `POST /lane HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`;
    const { answers } = await exchange(port, [get('/lane'), body, chunked, get('/lane')], 4, 20);
    expect(answers.map((a) => [a.status, a.headers['x-by'], JSON.parse(a.body).method])).toEqual([
      [200, 'lane', 'GET'],
      [200, 'node', 'POST'],
      [200, 'node', 'POST'],
      [200, 'node', 'GET'],
    ]);
    const upgrade = await exchange(port, [get('/lane', 'Connection: Upgrade\r\nUpgrade: websocket\r\n')], 1);
    expect(upgrade.answers[0]?.headers['x-by']).toBe('node');
    const noHost = await exchange(port, ['GET /lane HTTP/1.1\r\n\r\n'], 1);
    expect(noHost.answers[0]?.status).toBe(400);
    const http10 = await exchange(port, ['GET /lane HTTP/1.0\r\n\r\n'], 1);
    expect(http10.answers[0]?.headers['x-by']).toBe('lane');
    expect(http10.answers[0]?.headers.connection).toBe('close');
    expect(http10.closed).toBe(true);
  });

  it('reads a head that arrives a byte at a time', async () => {
    const port = await start();
    const request = get('/lane/x', 'Authorization: Basic abc\r\n');
    const { answers } = await exchange(port, [...request], 1, 1);
    expect(answers[0]?.headers['x-by']).toBe('lane');
    expect(JSON.parse(answers[0]?.body ?? '{}').headers.authorization).toBe('Basic abc');
  });

  it('gives handlers the headers node:http would give them (same names, repeats combined the same way)', async () => {
    const port = await start();
    const name = fc.constantFrom(
      'Authorization',
      'authorization',
      'X-Api-Key',
      'X-Original-URI',
      'x-original-method',
      'X-Forwarded-For',
      'Cookie',
      'Set-Cookie',
      'X-Request-Id',
      'User-Agent',
    );
    const value = fc.stringMatching(/^[!-~]([ -~]{0,10}[!-~])?$/);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(name, value), { maxLength: 8 }), async (pairs) => {
        const lines = pairs.map(([n, v]) => `${n}: ${v}\r\n`).join('');
        // The same head twice: on the lane, then through node:http (a body sends it there).
        const { answers } = await exchange(
          port,
          [
            get('/lane', lines),
            `POST /lane HTTP/1.1\r\nHost: authz\r\n${lines}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
          ],
          2,
          5,
          [],
          0,
        );
        const [lane, node] = answers.map((a) => JSON.parse(a.body));
        expect(answers.map((a) => a.headers['x-by'])).toEqual(['lane', 'node']);
        const { 'transfer-encoding': _chunked, ...nodeHeaders } = node.headers;
        expect(lane.headers).toEqual(nodeHeaders);
      }),
      { numRuns: 40 },
    );
  });

  it('refuses what the parser refuses as node:http does: 400, 431, no-store, closed', async () => {
    const port = await start();
    const bad = await exchange(port, [get('/lane'), 'GET /lane HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n'], 2);
    expect(bad.answers.map((a) => a.status)).toEqual([200, 400]);
    expect(bad.answers[1]?.headers['cache-control']).toBe('no-store');
    expect(bad.closed).toBe(true);
    const big = await exchange(port, [get('/lane', `X-Big: ${'a'.repeat(17_000)}\r\n`)], 1);
    expect(big.answers[0]?.status).toBe(431);
    expect(big.closed).toBe(true);
  });

  it('refuses a head that does not arrive within headersTimeout (408) and closes idle connections', async () => {
    const port = await start({
      setup: (http) => {
        http.server.headersTimeout = 1000;
        http.server.keepAliveTimeout = 1000;
      },
    });
    const slow = await exchange(port, ['GET /lane HTTP/1.1\r\nHost: a\r\n'], 1);
    expect(slow.answers[0]?.status).toBe(408);
    expect(slow.closed).toBe(true);
    const idle = await exchange(port, [get('/lane')], 2);
    expect(idle.answers).toHaveLength(1);
    expect(idle.closed).toBe(true);
  }, 15_000);

  it('answers 500 and closes when the handler throws or writes a value that would split the answer', async () => {
    const port = await start({
      fast: (req, res) => {
        if (req.url === '/lane/throw') throw new Error('boom');
        res.writeHead(200, ['x-evil', 'a\r\nx-injected: 1', 'content-length', '0']);
        res.end();
      },
    });
    for (const path of ['/lane/throw', '/lane/split']) {
      const { answers, closed } = await exchange(port, [get(path)], 1);
      expect(answers[0]?.status).toBe(500);
      expect(answers[0]?.headers['x-injected']).toBeUndefined();
      expect(answers[0]?.headers['cache-control']).toBe('no-store');
      expect(closed).toBe(true);
    }
  });

  it('sends no body to HEAD and closes after Connection: close', async () => {
    const port = await start();
    const head = await exchange(
      port,
      [`HEAD /lane HTTP/1.1\r\nHost: a\r\n\r\n`, get('/lane', 'Connection: close\r\n')],
      2,
      20,
      [0],
    );
    expect(head.answers[0]?.headers['content-length']).not.toBe('0');
    // The HEAD answer carried no body: the next answer parses cleanly.
    expect(head.answers[1]?.status).toBe(200);
    expect(head.answers[1]?.headers.connection).toBe('close');
    expect(head.closed).toBe(true);
  });

  it('stops reading from a client that does not read its answers', async () => {
    let answered = 0;
    const port = await start({
      fast: (_req, res) => {
        answered++;
        res.writeHead(200, ['content-length', String(64 * 1024)]);
        res.end('x'.repeat(64 * 1024));
      },
    });
    const socket = net.connect(port, '127.0.0.1');
    socket.pause();
    await new Promise((r) => socket.once('connect', r));
    // 20,000 requests (5 GB of answers if each were answered into memory), never reading an answer.
    socket.write(get('/lane').repeat(20_000));
    await new Promise((r) => setTimeout(r, 500));
    const settled = answered;
    await new Promise((r) => setTimeout(r, 300));
    expect(answered).toBe(settled);
    expect(answered).toBeLessThan(2_000);
    socket.destroy();
  });

  it('leaves every /authz request to node:http with AUTHZ_FAST_LANE=off (authzRoute without the lane)', async () => {
    const handle: Parameters<typeof authzRoute>[0] = (_req, res) => {
      res.writeHead(200, ['content-length', '0']);
      res.end();
    };
    const raw = async (route: ReturnType<typeof authzRoute>) => {
      const http = createHttpServer({ logger: createLogger('silent'), readiness: [], routes: [route] });
      servers.push(http);
      await listen(http.server, 0, '127.0.0.1');
      const socket = net.connect(http.port(), '127.0.0.1');
      socket.write(get('/authz'));
      const head = await new Promise<string>((resolve) => socket.once('data', (d) => resolve(String(d))));
      socket.destroy();
      return head;
    };
    // node:http writes its own headers capitalised (`Date`, `Connection`); the lane writes them in lower case.
    expect(await raw(authzRoute(handle))).toContain('\r\ndate: ');
    expect(await raw(authzRoute(handle, { fastLane: false }))).toContain('\r\nDate: ');
  });

  it('closes a connection that never sent anything when the listener closes, and survives its reset', async () => {
    const port = await start();
    const reset = net.connect(port, '127.0.0.1');
    await new Promise((r) => reset.once('connect', r));
    reset.resetAndDestroy();
    const silent = net.connect(port, '127.0.0.1');
    await new Promise((r) => silent.once('connect', r));
    const closed = new Promise((r) => silent.once('close', r));
    await servers.pop()?.close();
    await closed;
  });

  it('on shutdown, refuses a head still arriving (408) instead of waiting the whole headersTimeout for it', async () => {
    const port = await start();
    const partial = net.connect(port, '127.0.0.1');
    await new Promise((r) => partial.once('connect', r));
    partial.write('GET /lane HTTP/1.1\r\nHost: a\r\n');
    let answer = '';
    partial.on('data', (d) => {
      answer += String(d);
    });
    await new Promise((r) => setTimeout(r, 50));
    // headersTimeout is 60 s: the close must not wait for it.
    await servers.pop()?.close();
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  }, 20_000);

  it('closes idle connections when the listener closes', async () => {
    const port = await start();
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write(get('/lane'));
    await new Promise((r) => socket.once('data', r));
    const closed = new Promise((r) => socket.once('close', r));
    await servers.pop()?.close();
    await closed;
  });
});
