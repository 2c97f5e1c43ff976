// The typed client of every SOC Cases service over one Connect transport, with
// the caller's bearer token on each call and the server's error details (ErrorInfo,
// BadRequest, RetryInfo) read back out of a ConnectError. The transport decides
// the wire: connect-web in a browser, connect-node in Node, Connect or gRPC-Web,
// JSON or binary.
import { ConnectError, createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import {
  BadRequestSchema,
  ErrorInfoSchema,
  RetryInfoSchema,
} from "./gen/google/rpc/error_details_pb.js";
import { ActivityService } from "./gen/soc/cases/v1/activity_service_pb.js";
import { AutomationService } from "./gen/soc/cases/v1/automation_service_pb.js";
import { CaseService } from "./gen/soc/cases/v1/case_service_pb.js";
import { DetectionService } from "./gen/soc/cases/v1/detection_service_pb.js";
import { ServiceRequestService } from "./gen/soc/cases/v1/service_request_service_pb.js";
import { TenancyService } from "./gen/soc/cases/v1/tenancy_service_pb.js";

export interface CasesClients {
  cases: Client<typeof CaseService>;
  detections: Client<typeof DetectionService>;
  requests: Client<typeof ServiceRequestService>;
  tenancy: Client<typeof TenancyService>;
  automation: Client<typeof AutomationService>;
  activities: Client<typeof ActivityService>;
}

export function clientsFor(transport: Transport): CasesClients {
  return {
    cases: createClient(CaseService, transport),
    detections: createClient(DetectionService, transport),
    requests: createClient(ServiceRequestService, transport),
    tenancy: createClient(TenancyService, transport),
    automation: createClient(AutomationService, transport),
    activities: createClient(ActivityService, transport),
  };
}

// Adds "authorization: Bearer <token>" to every call; `token` is read per call so
// a console can change it without building new clients.
export function bearer(token: () => string): Interceptor {
  return (next) => async (req) => {
    const value = token();
    if (value !== "") {
      req.header.set("authorization", `Bearer ${value}`);
    }
    return next(req);
  };
}

export interface FieldViolation {
  field: string;
  description: string;
}

// What the server said about a failed call, in the words it used.
export interface ServerError {
  code: string; // Connect's code name: "invalid_argument", "permission_denied", ...
  message: string;
  reason: string; // google.rpc.ErrorInfo reason, "" when none
  metadata: Record<string, string>;
  violations: FieldViolation[];
  retryAfterMs: number | undefined;
}

export function serverError(err: unknown): ServerError {
  const e = ConnectError.from(err);
  const info = e.findDetails(ErrorInfoSchema)[0];
  const badRequest = e.findDetails(BadRequestSchema)[0];
  const retry = e.findDetails(RetryInfoSchema)[0];
  const delay = retry?.retryDelay;
  return {
    code: codeToString(e.code),
    message: e.rawMessage,
    reason: info?.reason ?? "",
    metadata: { ...(info?.metadata ?? {}) },
    violations: (badRequest?.fieldViolations ?? []).map((v) => ({ field: v.field, description: v.description })),
    retryAfterMs: delay === undefined ? undefined : Number(delay.seconds) * 1000 + Math.floor(delay.nanos / 1e6),
  };
}
