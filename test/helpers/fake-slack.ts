import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

function frame(opcode: number, payload: Buffer): Buffer {
  const head =
    payload.length < 126
      ? Buffer.from([0x80 | opcode, payload.length])
      : Buffer.from([0x80 | opcode, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([head, payload]);
}

/** Reads the client's (masked) frames: answers pings with pongs and a close with a close, as Slack's server does. */
function serveFrames(socket: Duplex): void {
  let buffered = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 2) {
      const opcode = (buffered[0] as number) & 0x0f;
      const masked = ((buffered[1] as number) & 0x80) !== 0;
      let length = (buffered[1] as number) & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buffered.length < 4) return;
        length = buffered.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (buffered.length < 10) return;
        length = Number(buffered.readBigUInt64BE(2));
        offset = 10;
      }
      const mask = masked ? buffered.subarray(offset, offset + 4) : undefined;
      if (masked) offset += 4;
      if (buffered.length < offset + length) return;
      const payload = Buffer.from(buffered.subarray(offset, offset + length));
      if (mask !== undefined)
        for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (mask[i % 4] as number);
      buffered = buffered.subarray(offset + length);
      if (opcode === 0x9) socket.write(frame(0xa, payload));
      if (opcode === 0x8) socket.end(frame(0x8, payload.subarray(0, 2)));
    }
  });
}

/**
 * A stand-in for Slack on loopback, for the real server process (nock cannot reach a child process): the Web API
 * answers each method with what the test sets (and counts the calls), and `wsUrl` is a Socket Mode endpoint that
 * says hello, answers pings, and can drop every connection.
 */
export async function startFakeSlack(answers: Record<string, Record<string, unknown>>, port = 0) {
  const calls: string[] = [];
  const sockets = new Set<Duplex>();
  const server = http.createServer((req, res) => {
    const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0] as string;
    calls.push(method);
    req.resume();
    const body = JSON.stringify(answers[method] ?? { ok: false, error: 'unknown_method' });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(body);
  });
  server.on('upgrade', (req, socket) => {
    const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}${WEBSOCKET_GUID}`).digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    serveFrames(socket);
    socket.write(
      frame(
        0x1,
        Buffer.from(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0TEST' } })),
      ),
    );
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/api/`,
    wsUrl: `ws://127.0.0.1:${bound}/link`,
    answers,
    calls,
    count: (method: string) => calls.filter((m) => m === method).length,
    /** Cuts every Socket Mode connection, as a Slack outage or a network blip does. */
    dropConnections() {
      for (const socket of sockets) socket.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
