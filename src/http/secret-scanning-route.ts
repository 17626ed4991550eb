import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { LeakFinding, LeakLabel, LeakResponse } from '../keys/leak-response.ts';
import type { Logger } from '../logger.ts';
import type { GithubSignatureVerifier } from './github-signature.ts';
import type { Route } from './server.ts';

export const SECRET_SCANNING_PATH = '/secret-scanning/github';
/** GitHub batches tokens into one report; a megabyte is far above any real one and bounds what a forger can send. */
export const MAX_REPORT_BYTES = 1024 * 1024;
/**
 * GitHub sends a report at once; a body still arriving after this is a sender holding the connection open (Node's own
 * limit is 5 minutes), and is refused with 408.
 */
export const REPORT_BODY_TIMEOUT_MS = 15_000;
/**
 * Reports handled at once; more are answered 503 (GitHub retries) before their body is read. GitHub sends a handful
 * at a time; the cap bounds what forgers sending many slow megabytes at once can hold (this many 1 MB bodies).
 */
export const MAX_CONCURRENT_REPORTS = 16;

const report = z
  .array(
    z.object({
      token: z.string().min(1).max(4096),
      // Only the token is needed to act: a report missing the rest is still acted on, not refused and retried forever.
      type: z.string().max(200).default(''),
      url: z.string().max(4096).default(''),
      source: z.string().max(200).default(''),
    }),
  )
  .max(10_000);

export interface SecretScanningRouteOptions {
  verifier: GithubSignatureVerifier;
  /** Undefined while the server is still starting (the listener is up before the database). */
  leaks: () => Pick<LeakResponse, 'report'> | undefined;
  /** Called once the report is answered, for each key of ours found: the alert (it never delays GitHub's answer). */
  announce: (finding: LeakFinding) => Promise<void> | void;
  logger: Logger;
  /** Counts every reported token by its label. */
  counted?: (label: LeakLabel, count: number) => void;
  /** REPORT_BODY_TIMEOUT_MS unless a test says otherwise. */
  bodyTimeoutMs?: number;
  /** MAX_CONCURRENT_REPORTS unless a test says otherwise. */
  maxConcurrent?: number;
}

function answer(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(bytes.length),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(bytes);
}

/**
 * The body; `too_large` once it passes the cap, `too_slow` when it has not ended within `timeoutMs` (the rest is not
 * read either way: the connection is closed after the answer); `aborted` when the sender went away before the end
 * (nothing to answer).
 */
function readCapped(req: IncomingMessage, timeoutMs: number): Promise<Buffer | 'too_large' | 'too_slow' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (outcome: 'too_large' | 'too_slow') => {
      req.off('data', onData);
      req.pause();
      resolve(outcome);
    };
    const timer = setTimeout(() => stop('too_slow'), timeoutMs);
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REPORT_BYTES) {
        clearTimeout(timer);
        stop('too_large');
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    // After 'end' or a refusal these change nothing: a promise settles once.
    const gone = () => {
      clearTimeout(timer);
      resolve('aborted');
    };
    req.once('error', gone);
    req.once('close', gone);
  });
}

/** GitHub's key identifiers are hex; anything else a sender put there is not repeated in the log. */
const loggable = (identifier: string | undefined) =>
  identifier === undefined ? undefined : /^[0-9a-f]{1,128}$/i.test(identifier) ? identifier : '(not an identifier)';

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * `POST /secret-scanning/github`: GitHub's secret scanning partner program. A report is a JSON array of tokens GitHub
 * found in public, signed by GitHub (github-signature.ts); unsigned or badly signed reports change nothing (401).
 * The answer labels each token `true_positive` (a key of ours) or `false_positive`. Tokens are identified by their
 * digest and never logged; the answer repeats each token as `token_raw`, the field GitHub's feedback format names it
 * by, and only to GitHub, which sent it.
 */
export function secretScanningRoute(options: SecretScanningRouteOptions): Route {
  const { logger } = options;
  const maxConcurrent = options.maxConcurrent ?? MAX_CONCURRENT_REPORTS;
  let handling = 0;
  return {
    prefix: SECRET_SCANNING_PATH,
    async handler(req, res) {
      const path = (req.url ?? '/').split('?', 1)[0];
      if (path !== SECRET_SCANNING_PATH) return answer(res, 404, { error: 'not_found' });
      if (req.method !== 'POST') return answer(res, 405, { error: 'method_not_allowed' }, { allow: 'POST' });
      if (handling >= maxConcurrent) {
        logger.warn({ path, handling }, 'secret scanning report refused: too many at once');
        return answer(res, 503, { error: 'busy' }, { 'retry-after': '5', connection: 'close' });
      }
      handling += 1;
      try {
        await receive(req, res, path);
      } finally {
        handling -= 1;
      }
    },
  };

  async function receive(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const declared = Number(req.headers['content-length'] ?? 0);
    const body =
      declared > MAX_REPORT_BYTES
        ? 'too_large'
        : await readCapped(req, options.bodyTimeoutMs ?? REPORT_BODY_TIMEOUT_MS);
    if (body === 'aborted') return;
    if (body === 'too_slow') {
      logger.warn({ path }, 'secret scanning report refused: the body did not arrive in time');
      return answer(res, 408, { error: 'request_timeout' }, { connection: 'close' });
    }
    if (body === 'too_large') {
      logger.warn({ path, declaredBytes: declared || undefined }, 'secret scanning report refused: over 1 MB');
      return answer(res, 413, { error: 'payload_too_large', maxBytes: MAX_REPORT_BYTES }, { connection: 'close' });
    }
    const check = await options.verifier.verify(
      header(req, 'github-public-key-identifier'),
      header(req, 'github-public-key-signature'),
      body,
    );
    if (check === 'unavailable') return answer(res, 503, { error: 'keys_unavailable' }, { 'retry-after': '60' });
    if (check === 'invalid') {
      logger.warn(
        { keyIdentifier: loggable(header(req, 'github-public-key-identifier')), bytes: body.length },
        'secret scanning report refused: missing or invalid GitHub signature; nothing was changed',
      );
      return answer(res, 401, { error: 'invalid_signature' });
    }
    const leaks = options.leaks();
    if (leaks === undefined) return answer(res, 503, { error: 'starting' }, { 'retry-after': '5' });
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    const items = report.safeParse(parsed);
    if (!items.success) {
      logger.warn({ bytes: body.length }, 'secret scanning report refused: not an array of {token, type, url, source}');
      return answer(res, 400, { error: 'invalid_report' });
    }
    const outcome = await leaks.report(items.data);
    const positives = outcome.labels.filter((l) => l.label === 'true_positive').length;
    options.counted?.('true_positive', positives);
    options.counted?.('false_positive', outcome.labels.length - positives);
    logger.info(
      { tokens: outcome.labels.length, truePositives: positives, keys: outcome.findings.length },
      'secret scanning report answered',
    );
    for (const finding of outcome.findings) {
      logger.warn(
        {
          event: 'key.leaked',
          keyId: finding.key.id,
          url: finding.url,
          source: finding.source,
          action: finding.action,
          revokedNow: finding.revokedNow,
        },
        finding.action === 'revoke'
          ? 'a key of ours was found in public by GitHub secret scanning; it is revoked'
          : 'a key of ours was found in public by GitHub secret scanning; SECRET_SCANNING_ACTION=alert left it active',
      );
    }
    answer(
      res,
      200,
      outcome.labels.map(({ item, label }) => ({ token_raw: item.token, token_type: item.type, label })),
    );
    for (const finding of outcome.findings) {
      Promise.resolve()
        .then(() => options.announce(finding))
        .catch((error: unknown) => logger.warn({ err: error, keyId: finding.key.id }, 'announcing a leak failed'));
    }
  }
}
