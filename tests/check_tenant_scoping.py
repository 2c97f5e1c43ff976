#!/usr/bin/python3
"""Reads MariaDB's general query log of a whole test run and fails on any statement
the server issued against a tenant-sharded table without a tenant_id predicate
(or column, for inserts), so every query stays on one Vitess shard.

Not checked, by design: migrations (connections that took the migration lock),
the tenancy tables (tenants, licenses: small, read whole into the tenancy cache),
and the test harness's own set-up and inspection statements (connections that
announced themselves with SELECT 'cases-test-harness')."""
import re
import sys
from collections import Counter

SHARDED = ["tenant_counters", "queues", "cases", "case_events", "alerts", "alert_events", "detections",
           "case_detections", "service_requests", "messages", "idempotency_keys", "sla_policies",
           "case_facets", "case_notes", "case_text", "case_rules", "case_rule_counts",
           "case_rule_groups", "activities", "subscriptions", "subscription_cursors", "deliveries"]
TABLE_REF = re.compile(r"\b(?:FROM|INTO|UPDATE|JOIN)\s+`?(" + "|".join(SHARDED) + r")`?\b", re.IGNORECASE)
LINE = re.compile(r"^(?:\d{6}\s+\d{1,2}:\d{2}:\d{2})?\s+(\d+)\s+(Query|Execute|Prepare|Connect|Quit|Init DB|"
                  r"Close stmt|Reset stmt|Field List|Statistics|Ping|Kill)\t?(.*)$")


def statements(path):
    current = None
    with open(path, encoding="utf-8", errors="replace") as log:
        for raw in log:
            line = raw.rstrip("\n")
            match = LINE.match(line)
            if match:
                if current:
                    yield current
                current = [int(match.group(1)), match.group(2), match.group(3)]
            elif current:
                current[2] += "\n" + line
    if current:
        yield current


def main(path):
    skipped_connections = set()
    checked = Counter()
    violations = []
    for connection, command, text in statements(path):
        if "cases-test-harness" in text or "cases_migrate:" in text:
            skipped_connections.add(connection)
            continue
        if command not in ("Query", "Execute") or connection in skipped_connections:
            continue
        if re.match(r"\s*(CREATE|ALTER|DROP)\b", text, re.IGNORECASE):
            continue
        tables = TABLE_REF.findall(text)
        if not tables:
            continue
        checked[tables[0].lower()] += 1
        if not re.search(r"\btenant_id\b", text):
            violations.append(f"connection {connection}: {text[:300]}")
    for v in violations[:20]:
        print("NOT TENANT-SCOPED:", v)
    total = sum(checked.values())
    print(f"tenant scoping: {total} statements on sharded tables checked "
          f"({', '.join(f'{t} {n}' for t, n in checked.most_common())}); {len(violations)} without tenant_id")
    if total == 0:
        print("tenant scoping: no statements seen; is the general log on?")
        return 1
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
