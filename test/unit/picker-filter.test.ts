import { describe, expect, it } from 'vitest';
import { endpointName } from '../../src/catalog/endpoint-names.ts';
import { harvestCatalog } from '../../src/catalog/load-catalog.ts';
import { legacyRule, replacementGrants } from '../../src/keys/legacy-rule.ts';
import { permissionLines } from '../../src/slack/blocks/permission-lines.ts';
import {
  planPages,
  selectReadOnly,
  shownGroups,
  shownIndices,
  toggleGroup,
} from '../../src/slack/blocks/permission-picker.ts';
import { Selection } from '../../src/slack/blocks/selection.ts';

const catalog = harvestCatalog();
const cutoff = new Date('2017-01-18T00:00:00Z');

describe('endpoint names', () => {
  it('add the path only where a label is shared', () => {
    const destroy = catalog.endpoints.filter((e) => e.label === 'DELETE: Destroy Openings');
    expect(destroy.map((e) => endpointName(catalog, e))).toEqual([
      'DELETE: Destroy Openings · /v1/jobs/:job_id/openings',
      'DELETE: Destroy Openings · /v2/jobs/:job_id/openings',
    ]);
    const names = catalog.endpoints.map((e) => endpointName(catalog, e));
    expect(new Set(names).size).toBe(143);
    expect(names.filter((n) => n.includes(' · /'))).toHaveLength(2);
  });
});

describe('the picker filter', () => {
  it('shows one resource, or endpoints matching every word, and keeps one heading per group', () => {
    const jobs = catalog.groups.findIndex((g) => g.resource === 'Jobs');
    expect(shownGroups(catalog, { group: jobs }).map((g) => g.resource)).toEqual(['Jobs']);
    const matching = shownIndices(catalog, { text: 'post job' }).map((i) => catalog.endpoints[i]!.id);
    expect(matching.length).toBeGreaterThan(0);
    for (const id of matching) expect(id.toLowerCase()).toMatch(/post|job/);
    expect(shownIndices(catalog, { text: 'deprecated' })).toHaveLength(7);
    expect(shownIndices(catalog, { text: 'nothing like this' })).toEqual([]);
    expect(planPages(catalog, { text: 'nothing like this' })).toEqual([{ parts: [] }]);
    const [page] = planPages(catalog);
    expect(page!.parts.map((p) => p.resource)).toEqual(catalog.groups.map((g) => g.resource));
  });

  it('read-only ticks the shown GET endpoints and unticks the other shown ones, leaving the rest', () => {
    const selection = Selection.empty(143);
    const post = catalog.endpoints.findIndex((e) => e.id === 'POST /v1/candidates');
    const otherPost = catalog.endpoints.findIndex((e) => e.method === 'POST' && e.resource === 'Users');
    selection.set(post, true);
    selection.set(otherPost, true);
    const candidates = catalog.groups.findIndex((g) => g.resource === 'Candidates');
    selectReadOnly(catalog, selection, { group: candidates });
    const ids = selection.endpointIds(catalog);
    expect(ids).not.toContain('POST /v1/candidates');
    expect(ids).toContain(catalog.endpoints[otherPost]!.id);
    const gets = catalog.groups[candidates]!.endpoints.filter((e) => e.method === 'GET').map((e) => e.id);
    for (const id of gets) expect(ids).toContain(id);
    toggleGroup(catalog, selection, candidates, { text: 'get' });
    expect(selection.endpointIds(catalog).filter((id) => gets.includes(id))).toEqual([]);
  });
});

describe('permission lines', () => {
  it('name a whole resource once and list part of one by name', () => {
    const all = catalog.endpoints.map((e) => e.id);
    const lines = permissionLines(catalog, all);
    expect(lines).toHaveLength(catalog.groups.length);
    expect(lines).toContain('• *Candidates* (all 15)');
    const some = permissionLines(catalog, ['GET /v1/users', 'DELETE /v1/jobs/:job_id/openings', 'GET /v9/gone']);
    expect(some).toEqual([
      '• *Job Openings* (1 of 6): DELETE: Destroy Openings `/v1/jobs/:job_id/openings` _(deprecated)_',
      '• *Users* (1 of 11): GET: List Users',
      '• `GET /v9/gone` (no longer in the catalog)',
    ]);
  });
});

describe('the legacy rule', () => {
  it('lists the 52 endpoints of the cutoff; a replacement gets them as explicit grants', () => {
    const rule = legacyRule(catalog, cutoff);
    expect(rule.endpoints).toHaveLength(52);
    expect(replacementGrants(rule, { legacy: true, permissions: [] })).toMatchObject({ explicit: 0, fromLegacy: 52 });
    const newer = catalog.endpoints.find((e) => !e.existedAtLegacyCutoff)!.id;
    const grants = replacementGrants(rule, { legacy: true, permissions: [newer, 'GET /v1/candidates'] });
    expect(grants).toMatchObject({ explicit: 2, fromLegacy: 51 });
    expect(grants.permissions).toHaveLength(53);
    expect(replacementGrants(rule, { legacy: false, permissions: [newer] })).toEqual({
      permissions: [newer],
      explicit: 1,
      fromLegacy: 0,
    });
  });
});
