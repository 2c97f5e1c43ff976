#!/usr/bin/python3
"""Saves a case rule (with --filter) or, without one, lists the tenant's rules with their match
counts and the cases each rule opened, through the Python client generated from the API protos.

  PYTHONPATH=build/python /usr/bin/python3 client/python/examples/case_rules.py \
      --addr 127.0.0.1:50051 --token "$(cat .local/tokens/TENANT_ADMIN.jwt)" \
      --parent tenants/<id> --filter 'severity >= HIGH AND mitre_techniques:T1003'
"""
import argparse
import sys

import grpc

from soc.cases.v1 import automation_service_pb2 as automation
from soc.cases.v1 import automation_service_pb2_grpc as automation_grpc
from soc.cases.v1 import case_service_pb2, case_service_pb2_grpc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--addr", default="127.0.0.1:50051")
    parser.add_argument("--token", required=True)
    parser.add_argument("--parent", required=True, help="tenants/<id>")
    parser.add_argument("--filter", help="save a self-managed rule with this detection filter")
    args = parser.parse_args()

    metadata = [("authorization", "Bearer " + args.token)]
    with grpc.insecure_channel(args.addr) as channel:
        rules = automation_grpc.AutomationServiceStub(channel)
        cases = case_service_pb2_grpc.CaseServiceStub(channel)
        try:
            if args.filter is not None:
                rule = automation.CaseRule(
                    display_name="High risk detections", enabled=True, filter=args.filter,
                    case_type=case_service_pb2.CASE_TYPE_SELF_MANAGED,
                    group_by=automation.CASE_RULE_GROUP_BY_ALERT,
                    case_template=automation.CaseTemplate(display_name="Auto: {title}"))
                saved = rules.CreateCaseRule(
                    automation.CreateCaseRuleRequest(parent=args.parent, case_rule=rule),
                    metadata=metadata, timeout=10)
                print("saved", saved.name)
                return 0
            listed = rules.ListCaseRules(automation.ListCaseRulesRequest(parent=args.parent),
                                         metadata=metadata, timeout=10)
            for rule in listed.case_rules:
                print(f"{rule.name} {rule.display_name!r}: {rule.match_count} matches")
                opened = cases.ListCases(
                    case_service_pb2.ListCasesRequest(parent=args.parent,
                                                      filter=f'source_rule = "{rule.name}"'),
                    metadata=metadata, timeout=10)
                for c in opened.cases:
                    print(f"  CASE-{c.number} {c.display_name}")
        except grpc.RpcError as e:
            print(f"{e.code().name}: {e.details()}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
