#!/usr/bin/python3
"""Lists the cases a token can see, through the Python client generated from the API protos.

  PYTHONPATH=build/python /usr/bin/python3 client/python/examples/list_cases.py \
      --addr 127.0.0.1:50051 --token "$(cat .local/tokens/TENANT_ADMIN.jwt)" [--parent tenants/-]
"""
import argparse
import sys

import grpc

from soc.cases.v1 import case_service_pb2, case_service_pb2_grpc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--addr", default="127.0.0.1:50051")
    parser.add_argument("--token", required=True)
    parser.add_argument("--parent", default="tenants/-")
    parser.add_argument("--filter", default="")
    args = parser.parse_args()

    with grpc.insecure_channel(args.addr) as channel:
        stub = case_service_pb2_grpc.CaseServiceStub(channel)
        metadata = [("authorization", "Bearer " + args.token)]
        request = case_service_pb2.ListCasesRequest(parent=args.parent, filter=args.filter, page_size=100)
        while True:
            try:
                response = stub.ListCases(request, metadata=metadata, timeout=10)
            except grpc.RpcError as error:
                print(f"error: {error.code().name}: {error.details()}", file=sys.stderr)
                return 1
            for case in response.cases:
                print(f"CASE-{case.number} {case.display_name}")
            if not response.next_page_token:
                return 0
            request.page_token = response.next_page_token


if __name__ == "__main__":
    sys.exit(main())
