#!/usr/bin/python3
"""Follows the change feed, the way a PSA or ticketing sync would: prints each activity once,
in order, and after a disconnect resumes right after the last one it printed.

  PYTHONPATH=build/python /usr/bin/python3 client/python/examples/follow_activities.py \
      --addr 127.0.0.1:50051 --token "$(cat .local/tokens/TENANT_ADMIN.jwt)" --parent tenants/- \
      [--filter 'type = ACTIVITY_TYPE_CASE_RESOLVED'] [--start-after tenants/…/activities/…] [--count N]

--count N stops after N activities (for scripts and tests); without it, it runs until interrupted.
"""
import argparse
import sys
import time

import grpc

from soc.cases.v1 import activity_service_pb2, activity_service_pb2_grpc

# Worth reconnecting after: the server draining, a network blip, a reader that fell behind.
RETRYABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.DEADLINE_EXCEEDED}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--addr", default="127.0.0.1:50051")
    parser.add_argument("--token", required=True)
    parser.add_argument("--parent", default="tenants/-")
    parser.add_argument("--filter", default="")
    parser.add_argument("--start-after", default="")
    parser.add_argument("--count", type=int, default=0)
    args = parser.parse_args()

    last, shown = args.start_after, 0
    with grpc.insecure_channel(args.addr) as channel:
        stub = activity_service_pb2_grpc.ActivityServiceStub(channel)
        metadata = [("authorization", "Bearer " + args.token)]
        while True:
            request = activity_service_pb2.StreamActivitiesRequest(
                parent=args.parent, filter=args.filter, start_after=last)
            try:
                for activity in stub.StreamActivities(request, metadata=metadata):
                    kind = activity_service_pb2.ActivityType.Name(activity.type).removeprefix("ACTIVITY_TYPE_")
                    print(f"{kind} {activity.resource} by {activity.actor}", flush=True)
                    last, shown = activity.name, shown + 1
                    if args.count and shown >= args.count:
                        return 0
            except grpc.RpcError as error:
                if error.code() not in RETRYABLE:
                    print(f"error: {error.code().name}: {error.details()}", file=sys.stderr)
                    return 1
                time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
