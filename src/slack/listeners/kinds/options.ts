import type { Option } from '../../blocks/kit.ts';
import { allowed, type Listener, type Role, type Turn, turnOf } from './steps.ts';

export function options(spec: {
  id: string;
  role: Role;
  call(turn: Turn, query: string): Promise<Option[]>;
}): Listener {
  return {
    register(app, context) {
      app.options(spec.id, async ({ ack, body }) => {
        const turn = turnOf(context, app.client, body.user.id, undefined);
        if (!(await allowed(turn, spec.role))) return ack({ options: [] });
        await ack({ options: await spec.call(turn, body.value ?? '') });
      });
    },
  };
}
