// Validates what `helm template` rendered for one values file: every object against
// the Kubernetes (and Prometheus Operator) schemas of npm's kubernetes-models, then
// what that values combination must and must not produce.
//   node validate.mjs RENDERED.yaml COMBINATION
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const [rendered, combination] = process.argv.slice(2);
const failures = [];
const check = (ok, message) => ok || failures.push(message);

const objects = parseAllDocuments(readFileSync(rendered, "utf8"))
  .map((doc) => {
    if (doc.errors.length) failures.push(`YAML: ${doc.errors[0].message}`);
    return doc.toJS();
  })
  .filter((o) => o);

// apiVersion + kind → the model's module: kubernetes-models/<group>/<version>/<Kind>.
async function modelOf({ apiVersion, kind }) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : [null, apiVersion];
  const path = group ? `${group}/${version}/${kind}` : `${version}/${kind}`;
  const pkg = group === "monitoring.coreos.com" ? "@kubernetes-models/prometheus-operator" : "kubernetes-models";
  return (await import(`${pkg}/${path}`))[kind];
}

for (const object of objects) {
  const id = `${object.kind}/${object.metadata?.name}`;
  try {
    const Model = await modelOf(object);
    new Model(object).validate();
  } catch (e) {
    failures.push(`${id}: ${e.message}`);
  }
}

const byKind = (kind) => objects.filter((o) => o.kind === kind);
const one = (kind) => byKind(kind)[0];
const hook = (o) => o.metadata?.annotations?.["helm.sh/hook"] ?? "";
const deployment = one("Deployment");
check(deployment, "a Deployment");
const pod = deployment?.spec.template.spec;
const container = pod?.containers[0];
const config = one("ConfigMap")?.data ?? {};
const volumes = (pod?.volumes ?? []).map((v) => v.name);

// Always: non-root, read-only root filesystem, native gRPC probes on the health port,
// the database DSN from a Secret, a Service.
check(pod?.securityContext?.runAsNonRoot === true, "pod runs as non-root");
check(container?.securityContext?.readOnlyRootFilesystem === true, "read-only root filesystem");
check(container?.securityContext?.allowPrivilegeEscalation === false, "no privilege escalation");
for (const probe of ["readinessProbe", "livenessProbe"]) {
  check(container?.[probe]?.grpc?.port === 8081, `${probe} is a gRPC probe on the health port`);
}
check(config.CASES_HEALTH_LISTEN === "0.0.0.0:8081", "casesd serves health on 8081");
check(container?.env?.some((e) => e.name === "CASES_DB" && e.valueFrom?.secretKeyRef), "CASES_DB from a Secret");
check(one("Service"), "a Service");

const expect = {
  defaults() {
    check(one("HorizontalPodAutoscaler"), "an HPA");
    check(deployment?.spec.replicas === undefined, "no replica count under an HPA");
    check(one("PodDisruptionBudget")?.spec.minAvailable === 2, "a PDB keeping 2");
    check(one("NetworkPolicy"), "a NetworkPolicy");
    check(hook(one("Job")).includes("pre-upgrade"), "the migration Job is a pre-upgrade hook");
    check(!config.CASES_TLS_CERT && !volumes.includes("tls"), "no TLS");
    check(!one("ServiceMonitor"), "no ServiceMonitor");
  },
  tls() {
    check(config.CASES_TLS_CERT && config.CASES_TLS_KEY, "TLS certificate and key");
    check(!config.CASES_TLS_CLIENT_CA, "no client CA without mutual");
    check(volumes.includes("tls"), "the TLS Secret mounted");
  },
  mtls() {
    check(config.CASES_TLS_CLIENT_CA === "/etc/cases/tls/ca.crt", "the client CA for mTLS");
    check(volumes.includes("tls"), "the TLS Secret mounted");
    const np = one("NetworkPolicy");
    check(np?.spec.ingress.some((r) => r.ports.some((p) => p.port === 8081)), "the health port open to probes");
  },
  servicemonitor() {
    const sm = one("ServiceMonitor");
    check(sm?.spec.endpoints[0].port === "metrics" && sm?.spec.endpoints[0].interval === "15s",
          "a ServiceMonitor on the metrics port every 15s");
  },
  minimal() {
    check(deployment?.spec.replicas === 2, "2 replicas");
    for (const kind of ["HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy", "Job"]) {
      check(!one(kind), `no ${kind}`);
    }
  },
};
check(expect[combination], `expectations for ${combination}`);
expect[combination]?.();

const kinds = objects.map((o) => o.kind).join(", ");
if (failures.length) {
  console.error(`${combination}: ${failures.length} failure(s)\n  ${failures.join("\n  ")}`);
  process.exit(1);
}
console.log(`${combination}: ${objects.length} objects valid (${kinds})`);
