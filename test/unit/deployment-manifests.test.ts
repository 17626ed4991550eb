import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const root = path.resolve(import.meta.dirname, '../..');
const k8sDir = path.join(root, 'manifests/k8s');

type Doc = {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string };
  spec?: Record<string, unknown>;
} & Record<string, unknown>;

function load(file: string): Doc[] {
  const documents = parseAllDocuments(readFileSync(path.join(k8sDir, file), 'utf8'));
  for (const d of documents) expect(d.errors, `${file}: ${d.errors.map((e) => e.message).join('; ')}`).toEqual([]);
  return documents.map((d) => d.toJS() as Doc).filter((d) => d !== null);
}

const all = readdirSync(k8sDir)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((file) => load(file).map((doc) => ({ file, doc })));
const find = (kind: string) => all.filter((e) => e.doc.kind === kind).map((e) => e.doc);

describe('Kubernetes manifests', () => {
  it('are valid YAML documents, each with apiVersion, kind and a name', () => {
    expect(all.length).toBeGreaterThanOrEqual(7);
    for (const { file, doc } of all) {
      expect(doc.apiVersion, file).toMatch(/^[a-z0-9./]+$/i);
      expect(doc.kind, file).toMatch(/^[A-Z][A-Za-z]+$/);
      if (doc.kind !== 'Kustomization') expect(doc.metadata?.name, file).toMatch(/^[a-z0-9-]+$/);
    }
  });

  it('run 3 replicas, ready only through /readyz, as a non-root user, with secrets from a Secret', () => {
    const [deployment] = find('Deployment') as [Doc & { spec: any }];
    expect(deployment.spec.replicas).toBe(3);
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    expect(container.readinessProbe.httpGet).toMatchObject({ path: '/readyz', port: 'authz' });
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
    const fromSecret = container.env
      .filter((e: any) => e.valueFrom?.secretKeyRef?.name === 'harvest-keys')
      .map((e: any) => e.name);
    expect(fromSecret).toEqual(
      expect.arrayContaining([
        'DATABASE_URL',
        'KEY_PEPPER',
        'SLACK_BOT_TOKEN',
        'SLACK_SIGNING_SECRET',
        'SERVICE_PGP_PRIVATE_KEY',
      ]),
    );
    // No secret value is written into the Deployment itself.
    expect(container.env.every((e: any) => e.value === undefined)).toBe(true);
    expect(deployment.spec.template.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
  });

  it('expose /authz through a Service and keep two replicas through disruptions', () => {
    const services = find('Service') as any[];
    const authz = services.find((s) => s.metadata.name === 'harvest-keys-authz');
    expect(authz.spec.ports[0]).toMatchObject({ port: 3001, targetPort: 'authz' });
    const [pdb] = find('PodDisruptionBudget') as any[];
    expect(pdb.spec.minAvailable).toBe(2);
    const [kustomization] = find('Kustomization') as any[];
    for (const resource of kustomization.resources) expect(readdirSync(k8sDir)).toContain(resource);
  });
});

describe('Kubernetes exposure', () => {
  it('serve /metrics on a port of its own that Prometheus scrapes and no Service routes to', () => {
    type Port = { name?: string; port?: number | string; targetPort?: number | string; containerPort?: number };
    const [deployment] = find('Deployment') as Array<{
      spec: {
        template: { metadata: { annotations: Record<string, string> }; spec: { containers: Array<{ ports: Port[] }> } };
      };
    }>;
    const [configMap] = find('ConfigMap') as Array<{ data: Record<string, string> }>;
    if (deployment === undefined || configMap === undefined) throw new Error('no Deployment or ConfigMap');
    const [container] = deployment.spec.template.spec.containers;
    const metricsPort = Number(configMap.data.METRICS_PORT);
    expect(container?.ports).toContainEqual({ name: 'metrics', containerPort: metricsPort });
    expect(metricsPort).not.toBe(Number(configMap.data.AUTHZ_PORT));
    expect(deployment.spec.template.metadata.annotations).toMatchObject({
      'prometheus.io/port': String(metricsPort),
      'prometheus.io/path': '/metrics',
    });
    for (const service of find('Service') as Array<{ metadata: { name: string }; spec: { ports: Port[] } }>) {
      for (const port of service.spec.ports)
        expect([port.targetPort, port.port], service.metadata.name).not.toContain('metrics');
      for (const port of service.spec.ports) expect(port.port, service.metadata.name).not.toBe(metricsPort);
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
  const packageJson = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  it('is multi-stage, installs no dev or optional (embedded database) dependencies, and runs as non-root', () => {
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(3);
    expect(dockerfile).toMatch(/npm ci --omit=dev --omit=optional/);
    expect(dockerfile).toMatch(/^USER node$/m);
  });

  it('compiles in a build stage and ships only dist/, the migrations and production dependencies: no TypeScript loader', () => {
    const runtime = dockerfile.slice(dockerfile.search(/^FROM \S+ AS runtime$/m));
    expect(dockerfile).toMatch(/^FROM \S+ AS build$/m);
    expect(dockerfile.slice(0, dockerfile.indexOf(runtime))).toMatch(/^RUN npm run build$/m);
    expect(runtime).toMatch(/^COPY --from=build \S+ \/app\/dist \.\/dist$/m);
    expect(runtime).toMatch(/^COPY \S+ db\/migrations \.\/db\/migrations$/m);
    expect(runtime).not.toMatch(/COPY .*\bsrc\b/);
    expect(runtime).not.toMatch(/tsx|--import|--loader/);
    expect(runtime).toMatch(/^CMD \["node", "dist\/main.js"\]$/m);
    expect(packageJson.dependencies).not.toHaveProperty('tsx');
    expect(packageJson.dependencies).not.toHaveProperty('typescript');
  });
});
