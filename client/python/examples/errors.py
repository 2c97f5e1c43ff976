#!/usr/bin/python3
"""Reads the google.rpc details of an error: why a call was refused, as the server words it.

Every error of the service carries a google.rpc.Status in the `grpc-status-details-bin`
trailer: ErrorInfo (reason, domain "cases.soc", metadata), BadRequest (field violations),
RetryInfo (when to retry) or ResourceInfo (what was not found).

  PYTHONPATH=build/python /usr/bin/python3 client/python/examples/errors.py \
      --addr 127.0.0.1:50051 --token "$(cat .local/tokens/TENANT_ADMIN.jwt)" --filter 'colour = red'
"""
import argparse
import sys

import grpc

from google.rpc import error_details_pb2, status_pb2
from soc.cases.v1 import case_service_pb2, case_service_pb2_grpc


def describe(error: grpc.RpcError) -> list:
    """The lines a support engineer wants: the code, the message and every detail."""
    lines = [f"{error.code().name}: {error.details()}"]
    for key, value in error.trailing_metadata() or ():
        if key != "grpc-status-details-bin":
            continue
        status = status_pb2.Status.FromString(value)
        for detail in status.details:
            if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                info = error_details_pb2.ErrorInfo()
                detail.Unpack(info)
                lines.append(f"reason {info.reason} ({info.domain})")
                lines.extend(f"  {k}: {v}" for k, v in sorted(info.metadata.items()))
            elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad = error_details_pb2.BadRequest()
                detail.Unpack(bad)
                lines.extend(f"field {v.field}: {v.description}" for v in bad.field_violations)
            elif detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
                retry = error_details_pb2.RetryInfo()
                detail.Unpack(retry)
                lines.append(f"retry after {retry.retry_delay.ToTimedelta().total_seconds()} s")
            elif detail.Is(error_details_pb2.ResourceInfo.DESCRIPTOR):
                resource = error_details_pb2.ResourceInfo()
                detail.Unpack(resource)
                lines.append(f"not found: {resource.resource_type} {resource.resource_name}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--addr", default="127.0.0.1:50051")
    parser.add_argument("--token", required=True)
    parser.add_argument("--parent", default="tenants/-")
    parser.add_argument("--filter", default="")
    args = parser.parse_args()

    with grpc.insecure_channel(args.addr) as channel:
        stub = case_service_pb2_grpc.CaseServiceStub(channel)
        request = case_service_pb2.ListCasesRequest(parent=args.parent, filter=args.filter)
        try:
            stub.ListCases(request, metadata=[("authorization", "Bearer " + args.token)], timeout=10)
        except grpc.RpcError as error:
            print("\n".join(describe(error)))
            return 1
        print("OK")
        return 0


if __name__ == "__main__":
    sys.exit(main())
