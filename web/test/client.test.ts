// The generated client against a real casesd, over each wire the bridge speaks:
// Connect with JSON, Connect with binary, and gRPC-Web; unary calls, a server
// stream, and errors with their google.rpc details.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { bearer, clientsFor, serverError } from "../src/client.js";
import { Severity } from "../src/gen/soc/cases/v1/common_pb.js";
import { CaseStatus } from "../src/gen/soc/cases/v1/case_service_pb.js";
import { ServiceRequestType, MessageSide } from "../src/gen/soc/cases/v1/service_request_service_pb.js";
import { env } from "./env.js";

const baseUrl = env("CASES_HTTP_URL");
const tenant = env("CASES_TENANT");
const customerToken = env("CASES_TOKEN");
const analystToken = env("CASES_ANALYST_TOKEN");

const wires: Record<string, (token: string) => Transport> = {
  "Connect JSON": (token) =>
    createConnectTransport({ baseUrl, httpVersion: "1.1", interceptors: [bearer(() => token)] }),
  "Connect binary": (token) =>
    createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: true, interceptors: [bearer(() => token)] }),
  "gRPC-Web": (token) =>
    createGrpcWebTransport({ baseUrl, httpVersion: "1.1", interceptors: [bearer(() => token)] }),
  "gRPC-Web JSON": (token) =>
    createGrpcWebTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: false, interceptors: [bearer(() => token)] }),
};

for (const [wire, transport] of Object.entries(wires)) {
  describe(`over ${wire}`, () => {
    const customer = clientsFor(transport(customerToken));
    const analyst = clientsFor(transport(analystToken));

    test("a case created is read back, listed and updated", async () => {
      const made = await customer.cases.createCase({
        parent: tenant,
        requestId: crypto.randomUUID(),
        case: { displayName: `Made over ${wire}`, severity: Severity.HIGH, description: "from Node" },
      });
      assert.match(made.name, new RegExp(`^${tenant}/cases/`));
      assert.equal(made.status, CaseStatus.NEW);
      const read = await customer.cases.getCase({ name: made.name });
      assert.equal(read.displayName, `Made over ${wire}`);
      assert.equal(read.severity, Severity.HIGH);
      assert.equal(read.etag, made.etag);
      const listed = await customer.cases.listCases({ parent: tenant, filter: `number = CASE-${made.number}` });
      assert.deepEqual(listed.cases.map((c) => c.name), [made.name]);
      const updated = await customer.cases.updateCase({
        case: { name: made.name, etag: made.etag, assignee: "erin" },
        updateMask: { paths: ["assignee"] },
      });
      assert.equal(updated.assignee, "erin");
      assert.notEqual(updated.etag, made.etag);
    });

    test("a server stream delivers the backlog, then a message posted while it is open", async () => {
      const sr = await customer.requests.createServiceRequest({
        parent: tenant,
        requestId: crypto.randomUUID(),
        serviceRequest: { type: ServiceRequestType.MDR, displayName: `Help over ${wire}` },
      });
      await customer.requests.createMessage({ parent: sr.name, message: { body: "first, before the stream" } });
      const abort = new AbortController();
      const stream = customer.requests.streamMessages({ parent: sr.name }, { signal: abort.signal })[Symbol.asyncIterator]();
      const first = await stream.next();
      assert.equal(first.done, false);
      assert.equal(first.value.body, "first, before the stream");
      assert.equal(first.value.side, MessageSide.CUSTOMER);
      const posted = await analyst.requests.createMessage({ parent: sr.name, message: { body: "the MDR team answers" } });
      const second = await stream.next();
      assert.equal(second.value.name, posted.name);
      assert.equal(second.value.side, MessageSide.PROVIDER);
      abort.abort();
      await assert.rejects(stream.next(), (err: unknown) => ConnectError.from(err).code === Code.Canceled);
    });

    test("a refused request carries the server's details and changes nothing", async () => {
      const before = await customer.cases.listCases({ parent: tenant, pageSize: 1000 });
      const err = await customer.cases
        .createCase({ parent: tenant, case: { displayName: "<script>", severity: Severity.LOW } })
        .then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof ConnectError, "CreateCase with a bad name must fail");
      assert.equal(err.code, Code.InvalidArgument);
      const details = serverError(err);
      assert.equal(details.code, "invalid_argument");
      assert.deepEqual(details.violations.map((v) => v.field), ["case.display_name"]);
      assert.match(details.violations[0].description, /letters, digits, spaces/);
      const after = await customer.cases.listCases({ parent: tenant, pageSize: 1000 });
      assert.equal(after.cases.length, before.cases.length);
    });

    test("an unreachable tenant is PERMISSION_DENIED with its ErrorInfo", async () => {
      const err = await customer.cases
        .listCases({ parent: env("CASES_FOREIGN_TENANT") })
        .then(() => undefined, (e: unknown) => e);
      const details = serverError(err);
      assert.equal(details.code, "permission_denied");
      assert.equal(details.reason, "TENANT_NOT_REACHABLE");
    });

    test("a garbage token is UNAUTHENTICATED", async () => {
      const stranger = clientsFor(transport("not.a.token"));
      const err = await stranger.tenancy.getCallerIdentity({}).then(() => undefined, (e: unknown) => e);
      assert.equal(ConnectError.from(err).code, Code.Unauthenticated);
    });
  });
}
