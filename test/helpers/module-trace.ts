/**
 * Loaded with `--import` into a CLI process: records the URL of every ES module the process loads and, at exit,
 * writes them (one a line) to MODULE_TRACE_FILE. Tells which packages a command pulls in, with no timing involved.
 */
import { writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

const file = process.env.MODULE_TRACE_FILE;
if (file !== undefined) {
  const { port1, port2 } = new MessageChannel();
  const loaded = new Set<string>();
  port1.on('message', (url: string) => loaded.add(url));
  port1.unref();
  const hooks = `let port;
export function initialize(data) { port = data.port; }
export async function load(url, context, next) { port.postMessage(url); return next(url, context); }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`, { data: { port: port2 }, transferList: [port2] });
  process.on('exit', () => writeFileSync(file, [...loaded].join('\n')));
}
