/**
 * Slack parses `&`, `<` and `>` in mrkdwn as entities and links (`<!channel>`, `<@U…>`, `<https://…|text>`), so
 * user text shown in mrkdwn gets them escaped; `@channel`-style words get an invisible word joiner (U+2060) so they
 * never notify anyone. Emphasis characters (`*`, `_`, `~`) have no escape in mrkdwn and are left as typed.
 */
export function escapeMrkdwn(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@(channel|here|everyone)\b/gi, '@\u2060$1');
}

/** Cuts to `max` characters (code points, as Slack counts), marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  return `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** Code spans cannot hold a backtick; ids and paths never do, but the fallback keeps the markup intact anyway. */
export function code(text: string): string {
  return `\`${escapeMrkdwn(text).replace(/`/g, "'")}\``;
}
