#!/usr/bin/python3
"""Structure checks of the Helm chart (no helm binary here): the YAML parses once
template expressions are replaced, every .Values reference exists in values.yaml,
and the objects the operations issue requires are there with their key settings."""
import pathlib
import re
import sys

import yaml

chart = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "charts/cases")
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


chart_yaml = yaml.safe_load((chart / "Chart.yaml").read_text())
check(chart_yaml.get("apiVersion") == "v2", "Chart.yaml: apiVersion v2")
for key in ("name", "version", "appVersion"):
    check(key in chart_yaml, f"Chart.yaml: {key} is required")
values = yaml.safe_load((chart / "values.yaml").read_text())


def has_path(tree, path):
    for part in path:
        if not isinstance(tree, dict) or part not in tree:
            return False
        tree = tree[part]
    return True


documents = []
for template in sorted((chart / "templates").glob("*.yaml")):
    text = template.read_text()
    for ref in re.findall(r"\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)", text):
        path = ref.strip(".").split(".")
        check(has_path(values, path), f"{template.name}: .Values.{'.'.join(path)} is not in values.yaml")
    # Turn the template into plain YAML: drop control lines, replace expressions.
    lines = []
    for line in text.splitlines():
        if re.fullmatch(r"\s*\{\{-?\s*(if|else|end|with|range|define)\b.*\}\}\s*", line):
            continue
        if re.fullmatch(r"\s*\{\{-?\s*(include|toYaml)\b.*\}\}\s*", line):
            indent = len(line) - len(line.lstrip())
            lines.append(" " * indent + "templated: value")
            continue
        lines.append(re.sub(r"\{\{.*?\}\}", "x", line))
    try:
        for doc in yaml.safe_load_all("\n".join(lines)):
            if doc:
                documents.append((template.name, doc))
    except yaml.YAMLError as error:
        failures.append(f"{template.name}: not valid YAML once rendered: {error}")

kinds = {doc.get("kind"): (name, doc) for name, doc in documents}
for kind in ("Deployment", "Service", "ConfigMap", "Job", "HorizontalPodAutoscaler", "PodDisruptionBudget",
             "NetworkPolicy", "ServiceMonitor"):
    check(kind in kinds, f"no {kind} template")

if "Deployment" in kinds:
    spec = kinds["Deployment"][1]["spec"]["template"]["spec"]
    container = spec["containers"][0]
    check("grpc" in container.get("readinessProbe", {}), "Deployment: readinessProbe must be a native gRPC probe")
    check("grpc" in container.get("livenessProbe", {}), "Deployment: livenessProbe must be a native gRPC probe")
    env = {e["name"]: e for e in container.get("env", [])}
    check("secretKeyRef" in env.get("CASES_DB", {}).get("valueFrom", {}), "Deployment: CASES_DB from a Secret")
    check(values["podSecurityContext"].get("runAsNonRoot") is True, "values: podSecurityContext.runAsNonRoot")
    check(values["securityContext"].get("readOnlyRootFilesystem") is True, "values: readOnlyRootFilesystem")
    check(values["securityContext"].get("allowPrivilegeEscalation") is False, "values: no privilege escalation")
    check("resources" in container, "Deployment: resources")
if "Job" in kinds:
    annotations = kinds["Job"][1]["metadata"].get("annotations", {})
    check(annotations.get("helm.sh/hook") == "pre-install,pre-upgrade", "Job: pre-install,pre-upgrade hook")
    check(kinds["Job"][1]["spec"]["template"]["spec"]["containers"][0].get("args") == ["migrate"],
          "Job: runs casesd migrate")
configmap = kinds.get("ConfigMap", (None, {}))[1].get("data", {})
for env in ("CASES_LISTEN", "CASES_HEALTH_LISTEN", "CASES_METRICS_LISTEN", "CASES_JWKS",
            "CASES_LICENSE_AUTHORITY_KEY", "CASES_RETENTION"):
    check(env in configmap, f"ConfigMap: {env}")

for failure in failures:
    print("FAIL:", failure)
print(f"chart {chart}: {len(documents)} objects, {len(failures)} problems")
sys.exit(1 if failures else 0)
