/**
 * The one way a Slack entry point is written. Every listener runs the same steps, in this order:
 *
 *   ids    what the payload names (a key id, a request id); a malformed payload stops here, acknowledged and dropped
 *   role   who may: without the role the person is told so and nothing else happens
 *   parse  reads and checks the input (dialog metadata, form fields)
 *   call   the one service call
 *   render says what happened: a dialog, a message, the App Home
 *
 * Expected failures (`AppError`) thrown by any step become words only through `errorText` / `errorFieldText`, in
 * a message, a notice replacing the dialog, or on the dialog field they are about. Anything else goes on to the
 * unhandled-failure middleware, which logs it and tells the person to try again. Two ways out, both visible in the
 * listener: a step may turn a known failure into an outcome it renders (`outcomeOf`), and a dialog may word the one
 * way an input can be wrong itself (`atField`'s prompt).
 */

// The single import point for writing a listener: each kind lives in ./kinds/, the steps they share in
// ./kinds/steps.ts. Only the public part is re-exported here; the shared steps stay for the kinds alone.
export { acknowledged, action, type ActionSpec, type ActionTurn } from './kinds/action.ts';
export { type CommandTurn, command, type Subcommand, type SubcommandSpec, subcommand } from './kinds/command.ts';
export { homeOpened } from './kinds/home-opened.ts';
export { options } from './kinds/options.ts';
export {
  atField,
  type Listener,
  type ListenerContext,
  outcomeOf,
  type Role,
  refuseField,
  Stop,
  stop,
  type Turn,
} from './kinds/steps.ts';
export { closed, notice, type SubmissionResponse, type ViewSpec, type ViewTurn, view } from './kinds/view.ts';
