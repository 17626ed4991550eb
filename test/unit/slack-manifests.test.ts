import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = path.resolve(import.meta.dirname, '../..');
const schemaDir = path.join(root, 'test/fixtures/slack-manifest-schema');
const readJson = (file: string) =>
  JSON.parse(readFileSync(path.join(schemaDir, file), 'utf8')) as Record<string, unknown>;
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** Slack's published schema; the top file dispatches by major version to the versioned files by their GitHub URLs. */
function manifestValidator() {
  // strict off: Slack's schema uses a non-standard `regex` keyword, which draft-07 validators ignore as Slack's own does.
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  ajv.addSchema(
    readJson('manifest.schema.1.0.0.json'),
    'https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/manifest.schema.1.0.0.json',
  );
  ajv.addSchema(
    readJson('manifest.schema.2.0.0.json'),
    'https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/manifest.schema.2.0.0.json',
  );
  return ajv.compile(readJson('manifest.schema.json'));
}

// biome-ignore lint/suspicious/noExplicitAny: a manifest is free-form YAML; the schema check above is what types it.
type Manifest = Record<string, any>;

const manifests = ['http-mode.yaml', 'socket-mode.yaml'].map((file) => ({
  file,
  manifest: parse(readFileSync(path.join(root, 'manifests/slack', file), 'utf8')) as Manifest,
}));

describe('Slack app manifests', () => {
  const validate = manifestValidator();

  it.each(manifests)('$file is valid against Slack’s manifest schema', ({ manifest }) => {
    const valid = validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the schema check can fail: a command without a leading slash and an unknown setting are refused', () => {
    const broken = structuredClone(manifests[0]!.manifest);
    broken.features.slash_commands[0].command = 'harvest-keys';
    broken.settings.not_a_setting = true;
    expect(validate(broken)).toBe(false);
  });

  it.each(manifests)(
    '$file declares the command, App Home, app_home_opened, interactivity and the scopes the app uses',
    ({ file, manifest }) => {
      expect(manifest.features.slash_commands[0].command).toBe('/harvest-keys');
      expect(manifest.features.app_home.home_tab_enabled).toBe(true);
      expect(manifest.settings.event_subscriptions.bot_events).toContain('app_home_opened');
      expect(manifest.settings.interactivity.is_enabled).toBe(true);
      expect(manifest.oauth_config.scopes.bot).toEqual(
        expect.arrayContaining(['commands', 'chat:write', 'im:write', 'users:read', 'files:write', 'files:read']),
      );
      if (file === 'http-mode.yaml') {
        expect(manifest.settings.socket_mode_enabled).toBe(false);
        for (const url of [
          manifest.features.slash_commands[0].url,
          manifest.settings.interactivity.request_url,
          manifest.settings.interactivity.message_menu_options_url,
          manifest.settings.event_subscriptions.request_url,
        ]) {
          expect(url).toMatch(/^https:\/\/.+\/slack\/events$/);
        }
      } else {
        expect(manifest.settings.socket_mode_enabled).toBe(true);
        expect(manifest.features.slash_commands[0].url).toBeUndefined();
        expect(manifest.settings.interactivity.request_url).toBeUndefined();
      }
    },
  );
});
