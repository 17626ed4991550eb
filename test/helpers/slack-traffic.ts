import { createHash } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import nock from 'nock';
import { inject } from 'vitest';
import { validateSurface } from './block-kit-validator.ts';

/**
 * One body that left the app towards Slack: a Web API call, a response_url post, a file upload (files.uploadV2's
 * step 2), or the HTTP answer to a request. `delivered` is no body: it marks (by SHA-256) a secret that was handed
 * over encrypted, which may then appear in no body at all, not even a show-once view.
 */
export interface SlackTraffic {
  kind: 'api' | 'response_url' | 'ack' | 'upload' | 'delivered';
  /** Web API method (`views.open`), the response_url path, or the request kind that was answered. */
  name: string;
  body: Record<string, unknown>;
  /** The body as sent and, after a newline, decoded to JSON. */
  raw: string;
}

export type Failure = { error: string } | { status: number; headers?: Record<string, string> };

function parseBody(body: unknown): { parsed: Record<string, unknown>; raw: string } {
  const raw = typeof body === 'string' ? body : JSON.stringify(body ?? {});
  let parsed: Record<string, unknown> = {};
  if (typeof body === 'object' && body !== null) parsed = { ...(body as Record<string, unknown>) };
  else if (raw.trim().startsWith('{')) parsed = JSON.parse(raw) as Record<string, unknown>;
  else for (const [k, v] of new URLSearchParams(raw)) parsed[k] = v;
  for (const [k, v] of Object.entries(parsed)) {
    if (typeof v === 'string' && /^[[{]/.test(v.trim())) {
      try {
        parsed[k] = JSON.parse(v);
      } catch {
        // a plain string that starts with a bracket
      }
    }
  }
  // Both forms: the bytes as sent, and decoded (a form-encoded body hides JSON text behind percent-escapes).
  return { parsed, raw: `${raw}\n${JSON.stringify(parsed)}` };
}

/**
 * Intercepts the Slack Web API and response_url posts with nock (no other network: only the test's own loopback
 * requests to the app get through), records every body, answers like Slack, and validates every view and message
 * against Block Kit limits as it passes.
 */
export function recordSlackTraffic() {
  const traffic: SlackTraffic[] = [];
  const blockKitProblems: string[] = [];
  const failures = new Map<string, Failure[]>();
  let views = 0;
  let uploads = 0;

  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);

  const check = (where: string, surface: 'modal' | 'home' | 'message', payload: unknown) => {
    for (const problem of validateSurface(surface, payload)) blockKitProblems.push(`${where}: ${problem}`);
  };

  // The suite-wide check (slack-suite-setup.ts) reads every file's traffic after the last test file.
  const suiteLog = path.join(inject('slackTrafficDir'), `${process.pid}-${Math.random().toString(36).slice(2)}.jsonl`);

  const recordViewOrMessage = (item: SlackTraffic) => {
    appendFileSync(suiteLog, `${JSON.stringify(item)}\n`);
    const view = item.body.view as { type?: string } | undefined;
    if (view !== undefined && typeof view === 'object')
      check(`${item.kind} ${item.name}`, view.type === 'home' ? 'home' : 'modal', view);
    if (
      item.kind !== 'ack' &&
      (item.name === 'chat.postMessage' || item.name === 'chat.postEphemeral' || item.kind === 'response_url')
    ) {
      check(`${item.kind} ${item.name}`, 'message', item.body);
    }
  };

  nock('https://slack.com')
    .persist()
    .post(/^\/api\/.+/)
    .reply((uri, body) => {
      const method = uri.replace(/^\/api\//, '').split('?')[0] as string;
      const { parsed, raw } = parseBody(body);
      const item: SlackTraffic = { kind: 'api', name: method, body: parsed, raw };
      traffic.push(item);
      recordViewOrMessage(item);
      const failure = failures.get(method)?.shift();
      if (failure !== undefined) {
        if ('status' in failure) return [failure.status, { ok: false, error: 'ratelimited' }, failure.headers ?? {}];
        return [200, { ok: false, error: failure.error }];
      }
      if (method.startsWith('views.')) {
        views += 1;
        const view = (parsed.view ?? {}) as Record<string, unknown>;
        return [
          200,
          { ok: true, view: { ...view, id: (parsed.view_id as string) ?? `V${views}`, hash: `hash-${views}` } },
        ];
      }
      if (method === 'chat.postMessage')
        return [
          200,
          { ok: true, channel: (parsed.channel as string | undefined) ?? 'D0DM', ts: `${Date.now() / 1000}` },
        ];
      if (method === 'conversations.open')
        return [200, { ok: true, channel: { id: `D${String(parsed.users ?? 'X').replace(/[^A-Z0-9]/g, '')}` } }];
      if (method === 'files.getUploadURLExternal') {
        uploads += 1;
        return [
          200,
          { ok: true, upload_url: `https://files.slack.com/upload/v1/U${uploads}`, file_id: `F0UPLOAD${uploads}` },
        ];
      }
      if (method === 'files.completeUploadExternal') {
        const files = (parsed.files ?? []) as { id: string; title?: string }[];
        return [200, { ok: true, files: files.map((f) => ({ id: f.id, title: f.title ?? '' })) }];
      }
      return [200, { ok: true }];
    });

  // files.uploadV2 sends the file's bytes to the upload URL files.getUploadURLExternal handed out.
  nock('https://files.slack.com')
    .persist()
    .post(/^\/upload\//)
    .reply((uri, body) => {
      const raw = typeof body === 'string' ? body : JSON.stringify(body ?? '');
      const item: SlackTraffic = { kind: 'upload', name: uri, body: {}, raw };
      traffic.push(item);
      recordViewOrMessage(item);
      return [200, 'OK - 123'];
    });

  nock('https://hooks.slack.com')
    .persist()
    .post(/.*/)
    .reply((uri, body) => {
      const { parsed, raw } = parseBody(body);
      const item: SlackTraffic = { kind: 'response_url', name: uri, body: parsed, raw };
      traffic.push(item);
      recordViewOrMessage(item);
      return [200, 'ok'];
    });

  return {
    traffic,
    blockKitProblems,
    /** The next call(s) of `method` fail like Slack would. */
    failNext(method: string, failure: Failure): void {
      failures.set(method, [...(failures.get(method) ?? []), failure]);
    },
    /** A secret that was delivered encrypted: from now on, any sighting of it anywhere is a leak (suite-wide too). */
    markDelivered(secret: string): void {
      const item: SlackTraffic = {
        kind: 'delivered',
        name: createHash('sha256').update(secret).digest('hex'),
        body: {},
        raw: '',
      };
      traffic.push(item);
      appendFileSync(suiteLog, `${JSON.stringify(item)}\n`);
    },
    recordAck(name: string, text: string): void {
      if (text.trim() === '') return;
      const { parsed, raw } = parseBody(text);
      const item: SlackTraffic = { kind: 'ack', name, body: parsed, raw };
      traffic.push(item);
      recordViewOrMessage(item);
    },
    calls(name: string): SlackTraffic[] {
      return traffic.filter((t) => t.name === name || (name === 'response_url' && t.kind === 'response_url'));
    },
    mark(): number {
      return traffic.length;
    },
    since(mark: number, name?: string): SlackTraffic[] {
      return traffic
        .slice(mark)
        .filter((t) => name === undefined || t.name === name || (name === 'response_url' && t.kind === 'response_url'));
    },
    /**
     * Waits until nothing reaches Slack for `quietMs`: work an earlier request left running (a Home republished after
     * a delivery, say) must not be mistaken for the answer to the next one.
     */
    async settled(quietMs = 150, timeoutMs = 5000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      let seen = traffic.length;
      let since = Date.now();
      while (Date.now() - since < quietMs) {
        if (Date.now() > deadline) throw new Error(`Slack traffic did not settle within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 10));
        if (traffic.length !== seen) {
          seen = traffic.length;
          since = Date.now();
        }
      }
    },
    /** Waits (briefly) for the listener's work after its ack: Slack calls happen after the HTTP answer. */
    async waitFor(
      mark: number,
      name: string,
      predicate: (t: SlackTraffic) => boolean = () => true,
      timeoutMs = 5000,
    ): Promise<SlackTraffic> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = traffic
          .slice(mark)
          .find((t) => (t.name === name || (name === 'response_url' && t.kind === 'response_url')) && predicate(t));
        if (found !== undefined) return found;
        if (Date.now() > deadline) {
          throw new Error(
            `no ${name} after mark ${mark}; saw: ${
              traffic
                .slice(mark)
                .map((t) => `${t.kind}:${t.name}`)
                .join(', ') || 'nothing'
            }`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    stop(): void {
      nock.cleanAll();
      nock.enableNetConnect();
    },
  };
}

export type TrafficRecorder = ReturnType<typeof recordSlackTraffic>;

/**
 * Every key-shaped string in the recorded traffic and logs, with where it appeared. A secret may appear only in the
 * HTTP answer that shows the show-once view; anything else is a leak.
 */
export function secretSightings(
  traffic: readonly SlackTraffic[],
  logs: string,
  prefix = 'hk',
): { secret: string; where: string }[] {
  const pattern = new RegExp(`${prefix}_[0-9A-Za-z]{38}`, 'g');
  const sightings: { secret: string; where: string }[] = [];
  // A key handed over encrypted was never meant to be seen by anyone here: not even a show-once view may hold it.
  const delivered = new Set(traffic.filter((t) => t.kind === 'delivered').map((t) => t.name));
  const wasDelivered = (secret: string) => delivered.has(createHash('sha256').update(secret).digest('hex'));
  for (const item of traffic) {
    for (const match of item.raw.matchAll(pattern)) {
      const view = item.body.view as { callback_id?: string } | undefined;
      // The show-once view reaches Slack as the answer to a submission, or (for an approved key, revealed from a DM
      // button) through views.update of the dialog the click opened. Nowhere else.
      const showOnce =
        view?.callback_id === 'key.show-once' &&
        (item.kind === 'ack' || (item.kind === 'api' && item.name === 'views.update'));
      const where =
        showOnce && !wasDelivered(match[0])
          ? 'show-once'
          : `${item.kind} ${item.name}${showOnce ? ' (show-once of a delivered key)' : ''}`;
      sightings.push({ secret: match[0], where });
    }
  }
  for (const match of logs.matchAll(pattern))
    sightings.push({ secret: match[0], where: wasDelivered(match[0]) ? 'log (delivered key)' : 'log' });
  return sightings;
}
