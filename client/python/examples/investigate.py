#!/usr/bin/python3
"""Finds cases by text and prints each one's tags, entities, ATT&CK techniques and notebook,
through the Python client generated from the API protos (every page of both lists).

  PYTHONPATH=build/python /usr/bin/python3 client/python/examples/investigate.py \
      --addr 127.0.0.1:50051 --token "$(cat .local/tokens/TENANT_ADMIN.jwt)" --text mimikatz
"""
import argparse
import sys

import grpc

from soc.cases.v1 import case_service_pb2, case_service_pb2_grpc


def pages(call, request, items, metadata):
    """Every item of a List call, following next_page_token."""
    while True:
        response = call(request, metadata=metadata, timeout=10)
        yield from getattr(response, items)
        if not response.next_page_token:
            return
        request.page_token = response.next_page_token


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--addr", default="127.0.0.1:50051")
    parser.add_argument("--token", required=True)
    parser.add_argument("--parent", default="tenants/-")
    parser.add_argument("--text", required=True, help="words the case's name, description or notes hold")
    args = parser.parse_args()

    quoted = '"' + args.text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    metadata = [("authorization", "Bearer " + args.token)]
    with grpc.insecure_channel(args.addr) as channel:
        stub = case_service_pb2_grpc.CaseServiceStub(channel)
        try:
            found = pages(stub.ListCases, case_service_pb2.ListCasesRequest(parent=args.parent, filter=quoted),
                          "cases", metadata)
            for case in found:
                print(f"CASE-{case.number} {case.display_name} ({case.tenant_display_name})")
                print(f"  tags: {', '.join(case.tags) or '-'}")
                print(f"  devices: {', '.join(case.devices) or '-'}; entities: {', '.join(case.entities) or '-'}")
                print(f"  ATT&CK: {', '.join(case.mitre_techniques) or '-'}")
                notes = pages(stub.ListCaseNotes, case_service_pb2.ListCaseNotesRequest(parent=case.name),
                              "notes", metadata)
                for note in notes:
                    print(f"  note by {note.author}: {note.body}")
        except grpc.RpcError as error:
            print(f"error: {error.code().name}: {error.details()}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
