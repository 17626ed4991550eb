import type { IncomingMessage } from 'node:http';
import { Refusal, safe } from './oauth-answer.ts';

/** Far above any real request (a client id, a secret and a few hundred scopes). */
const MAX_BODY_BYTES = 16 * 1024;

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      req.resume();
      reject(new Refusal(413, 'invalid_request', `The request body is larger than ${MAX_BODY_BYTES} bytes.`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Refusal(413, 'invalid_request', `The request body is larger than ${MAX_BODY_BYTES} bytes.`));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** §3.2: form-encoded parameters, each at most once. */
export function formParameters(req: IncomingMessage, body: Buffer): Map<string, string> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded')
    throw new Refusal(400, 'invalid_request', 'Send the parameters as application/x-www-form-urlencoded.');
  const params = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(body.toString('utf8'))) {
    if (params.has(name))
      throw new Refusal(400, 'invalid_request', `The parameter ${safe(name)} is given more than once.`);
    params.set(name, value);
  }
  return params;
}

/** §2.3.1: each part of Basic credentials is form-urlencoded before base64. */
export function formDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}
