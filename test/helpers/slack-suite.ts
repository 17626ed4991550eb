import { afterAll, beforeAll } from 'vitest';
import type { Role } from '../../src/roles/types.ts';
import { anAdmin } from '../fixtures/actors.ts';
import { captureLogs } from './log-capture.ts';
import { createTestRuntime, type TestRuntime } from './runtime.ts';
import { type SlackHarness, startSlackHarness } from './slack-harness.ts';

export interface SlackSuiteOptions {
  /** Level of the log kept for the file's secret checks. */
  logLevel?: string;
  /** Settings over the test runtime's defaults (createTestRuntime). */
  env?: Record<string, string>;
  /** The runtime's services write to the kept log too, not only the Slack app. */
  logRuntime?: boolean;
  /** Roles held before the app takes its first request: Slack user id → roles. */
  roles?: Record<string, Role[]>;
}

/**
 * Something made in `beforeAll`, usable as if it already existed: every property read goes to the value once it is
 * made. Lets a file name `rt` and `slack` at the top and use them in its tests, with the set-up in one place.
 */
function late<T extends object>(what: string): { set(value: T): void; current(): T | undefined; view: T } {
  let value: T | undefined;
  const get = (): T => {
    if (value === undefined) throw new Error(`${what} is made in beforeAll: use it inside a test or hook`);
    return value;
  };
  return {
    set: (made) => {
      value = made;
    },
    current: () => value,
    view: new Proxy({} as T, {
      get: (_, property) => Reflect.get(get(), property),
      has: (_, property) => Reflect.has(get(), property),
    }),
  };
}

/**
 * The fixture every Slack test file starts from: the real runtime over a database of the file's own, the Bolt app
 * on its HTTP receiver driven by signed requests with Slack's Web API intercepted (slack-harness.ts), and the log the
 * file's checks search for secrets. Call it once at the top of the file: it registers its own beforeAll and afterAll.
 */
export function slackSuite(options: SlackSuiteOptions = {}) {
  const logs = captureLogs(options.logLevel ?? 'trace');
  const runtime = late<TestRuntime>('The runtime');
  const harness = late<SlackHarness>('The Slack harness');

  beforeAll(async () => {
    const rt = await createTestRuntime({
      env: options.env,
      ...(options.logRuntime === true ? { logger: logs.logger } : {}),
    });
    runtime.set(rt);
    for (const [user, roles] of Object.entries(options.roles ?? {}))
      for (const role of roles) await rt.roles.grant(user, role, 'test');
    harness.set(await startSlackHarness(rt, { logger: logs.logger }));
  });
  afterAll(async () => {
    await harness.current()?.close();
    await runtime.current()?.dispose();
  });

  /** A new Slack user who holds `role`. */
  async function userWith(role: Role): Promise<string> {
    const id = anAdmin();
    await runtime.view.roles.grant(id, role, 'test');
    return id;
  }

  return {
    rt: runtime.view,
    slack: harness.view,
    logs,
    userWith,
    /** A new Slack user with the admin role. */
    admin: () => userWith('admin'),
  };
}
