import type { RouteHandler } from './server.ts';

export const SERVICE_KEY_PATH = '/pgp/service.asc';

/**
 * `GET /pgp/service.asc`: the public half of the key that signs every delivery, so partners can import it and check
 * its fingerprint against the one published in the README / shown by `/harvest-keys pubkey`. `serviceKey` returns
 * undefined while the server is still starting (the listener is up before the database).
 */
export function serviceKeyRoute(
  serviceKey: () => { get(): Promise<{ publicArmored: string; fingerprint: string }> } | undefined,
): {
  prefix: string;
  handler: RouteHandler;
} {
  return {
    prefix: SERVICE_KEY_PATH,
    async handler(req, res) {
      const path = (req.url ?? '/').split('?', 1)[0];
      if (path !== SERVICE_KEY_PATH) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res
          .writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' })
          .end('method not allowed\n');
        return;
      }
      const provider = serviceKey();
      if (provider === undefined) {
        res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '1' }).end('starting\n');
        return;
      }
      const key = await provider.get();
      const body = Buffer.from(key.publicArmored, 'utf8');
      res.writeHead(200, {
        'content-type': 'application/pgp-keys',
        'content-length': body.length,
        'content-disposition': 'inline; filename="harvest-keys-service.asc"',
        'cache-control': 'public, max-age=300',
        'x-pgp-fingerprint': key.fingerprint,
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    },
  };
}
