// The reference console: a single page on the generated Connect client, served by
// casesd at /console/ and calling the same listener. Views are routed by the URL
// hash; each view renders into <main> and is torn down (its streams aborted) when
// the route changes. Errors are shown as the server words them.
import { createConnectTransport } from "@connectrpc/connect-web";
import { bearer, clientsFor, serverError, type CasesClients } from "../client.js";
import { EventType, Priority, Product, Severity } from "../gen/soc/cases/v1/common_pb.js";
import {
  CaseStatus,
  CaseType,
  CloseReason,
  type Case,
} from "../gen/soc/cases/v1/case_service_pb.js";
import type { Alert, Detection } from "../gen/soc/cases/v1/detection_service_pb.js";
import {
  MessageSide,
  ServiceRequestStatus,
  ServiceRequestType,
  type Message,
} from "../gen/soc/cases/v1/service_request_service_pb.js";
import type { CallerIdentity } from "../gen/soc/cases/v1/tenancy_service_pb.js";
import { Role } from "../gen/soc/cases/v1/tenancy_service_pb.js";
import {
  age,
  append,
  displayNameProblem,
  enumLabel,
  enumOptions,
  errorBox,
  field,
  h,
  select,
  time,
} from "./dom.js";

const PAGE_SIZE = 20;
const MAX_CLOSE_NOTE = 600;

const state = {
  token: sessionStorage.getItem("cases.token") ?? "",
  identity: undefined as CallerIdentity | undefined,
  tenantNames: new Map<string, string>(), // tenants/x → display name
  tenant: sessionStorage.getItem("cases.tenant") ?? "", // the tenant that tenant-scoped views work in
};

const api: CasesClients = clientsFor(
  createConnectTransport({ baseUrl: location.origin, interceptors: [bearer(() => state.token)] }),
);

let viewAbort = new AbortController();
const main = document.getElementById("main") as HTMLElement;
const dialog = document.getElementById("dialog") as HTMLDialogElement;

// ---- shell ----------------------------------------------------------------

function go(hash: string): void {
  if (location.hash === hash) void route();
  else location.hash = hash;
}

// The tenant of a resource name: tenants/{t}/cases/{c} → tenants/{t}.
function tenantOf(name: string): string {
  return name.split("/").slice(0, 2).join("/");
}

function tenantLabel(name: string): string {
  return state.tenantNames.get(name) ?? name;
}

// The caller's reachable tenants as [name, label] options.
function tenantOptions(): Array<[string, string]> {
  return (state.identity?.reachableTenants ?? []).map((t) => [t, tenantLabel(t)]);
}

// The parent of cross-tenant lists: every reachable tenant when there are several.
function listParent(): string {
  const reachable = state.identity?.reachableTenants ?? [];
  return reachable.length > 1 ? "tenants/-" : (reachable[0] ?? state.identity?.homeTenant ?? "");
}

async function loadIdentity(): Promise<void> {
  state.identity = await api.tenancy.getCallerIdentity({});
  state.tenantNames.clear();
  try {
    for (let token = "", first = true; first || token !== ""; first = false) {
      const page = await api.tenancy.listTenants({ pageSize: 1000, pageToken: token });
      for (const t of page.tenants) state.tenantNames.set(t.name, t.displayName);
      token = page.nextPageToken;
    }
  } catch {
    // Not every role may list tenants; names then show as they are.
  }
  const reachable = state.identity.reachableTenants;
  if (!reachable.includes(state.tenant)) {
    state.tenant = reachable.find((t) => t !== state.identity?.homeTenant) ?? state.identity.homeTenant;
  }
  renderHeader();
}

function renderHeader(): void {
  const who = document.getElementById("who") as HTMLElement;
  who.replaceChildren();
  const id = state.identity;
  if (id === undefined) {
    append(who, h("a", { href: "#/token" }, "Sign in with a token"));
    return;
  }
  const tenantPicker = select(
    { "aria-label": "Working tenant", id: "tenant-picker" },
    tenantOptions(),
    state.tenant,
  );
  tenantPicker.addEventListener("change", () => {
    state.tenant = tenantPicker.value;
    sessionStorage.setItem("cases.tenant", state.tenant);
    void route();
  });
  append(
    who,
    h("span", { class: "muted" }, `${id.subject} · ${id.roles.map((r) => Role[r]).join(", ")}`),
    " ",
    tenantPicker,
    " ",
    h("a", { href: "#/token" }, "Token"),
  );
}

function view(title: string, ...children: Array<Node | null>): void {
  document.title = `${title} · SOC Cases`;
  main.replaceChildren(h("h1", {}, title), ...children.filter((c): c is Node => c !== null));
}

// Runs `work`; an error is shown in `where` (the view by default) as the server said it.
async function attempt<T>(work: () => Promise<T>, where: HTMLElement = main): Promise<T | undefined> {
  where.querySelectorAll(":scope > .error").forEach((e) => e.remove());
  try {
    return await work();
  } catch (err) {
    if (viewAbort.signal.aborted) return undefined;
    where.prepend(errorBox(serverError(err)));
    return undefined;
  }
}

function openDialog(title: string, body: HTMLElement): void {
  dialog.replaceChildren(
    h("h2", {}, title),
    body,
  );
  dialog.showModal();
  const first = dialog.querySelector<HTMLElement>("input, select, textarea, button");
  first?.focus();
}

function closeDialog(): void {
  dialog.close();
  dialog.replaceChildren();
}

// ---- routes ---------------------------------------------------------------

async function route(): Promise<void> {
  viewAbort.abort();
  viewAbort = new AbortController();
  closeDialog();
  const hash = decodeURIComponent(location.hash.replace(/^#\/?/, ""));
  if (state.token === "" || hash === "token") return tokenView();
  if (state.identity === undefined) {
    const ok = await attempt(loadIdentity);
    if (ok === undefined && state.identity === undefined) return tokenView();
  }
  document.querySelectorAll("nav a").forEach((a) =>
    a.toggleAttribute("aria-current", hash.startsWith((a.getAttribute("href") ?? "").slice(2) || "cases")),
  );
  const [kind, ...rest] = hash.split("/");
  const name = rest.join("/");
  switch (kind) {
    case "case":
      return caseView(name);
    case "detections":
      return detectionsView();
    case "alerts":
      return alertsView();
    case "alert":
      return alertView(name);
    case "requests":
      return requestsView();
    case "request":
      return requestView(name);
    default:
      return casesView();
  }
}

// ---- token ----------------------------------------------------------------

function tokenView(): void {
  const input = h("textarea", { id: "token", rows: 4, placeholder: "eyJhbGciOi…", spellcheck: "false" });
  input.value = state.token;
  const file = h("input", { type: "file", accept: ".jwt,.txt,.token", "aria-label": "Load a token file" });
  file.addEventListener("change", async () => {
    const f = file.files?.[0];
    if (f !== undefined) input.value = (await f.text()).trim();
  });
  const form = h(
    "form",
    { class: "card" },
    field("Bearer token", input),
    field("…or load it from a file", file),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Use this token")),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    state.token = input.value.trim();
    sessionStorage.setItem("cases.token", state.token);
    state.identity = undefined;
    const ok = await attempt(loadIdentity);
    if (ok !== undefined || state.identity !== undefined) go("#/cases");
  });
  view("Sign in", form);
}

// ---- cases ----------------------------------------------------------------

async function casesView(): Promise<void> {
  const status = select({ "aria-label": "Status", id: "filter-status" }, [["", "Any status"], ...enumOptions(CaseStatus)]);
  const severity = select({ "aria-label": "Severity", id: "filter-severity" }, [["", "Any severity"], ...enumOptions(Severity)]);
  const tenant = select({ "aria-label": "Tenant", id: "filter-tenant" }, [["", "All tenants"], ...tenantOptions()]);
  const body = h("tbody");
  const pager = h("div", { class: "pager" });
  const tokens: string[] = [""]; // page tokens of the pages seen so far
  let page = 0;

  const load = async (): Promise<void> => {
    const terms: string[] = [];
    if (status.value !== "") terms.push(`status = ${CaseStatus[Number(status.value)]}`);
    if (severity.value !== "") terms.push(`severity = ${Severity[Number(severity.value)]}`);
    if (tenant.value !== "") terms.push(`tenant = "${tenant.value}"`);
    const res = await attempt(() =>
      api.cases.listCases(
        { parent: listParent(), filter: terms.join(" AND "), pageSize: PAGE_SIZE, pageToken: tokens[page] },
        { signal: viewAbort.signal },
      ),
    );
    if (res === undefined) return;
    tokens[page + 1] = res.nextPageToken;
    body.replaceChildren(
      ...res.cases.map((c) =>
        h(
          "tr",
          {},
          h("td", {}, c.tenantDisplayName || tenantLabel(tenantOf(c.name))),
          h("td", {}, h("a", { href: `#/case/${c.name}` }, `CASE-${c.number}`)),
          h("td", {}, c.displayName),
          h("td", {}, h("span", { class: `sev sev-${c.severity}` }, enumLabel(Severity, c.severity))),
          h("td", {}, enumLabel(CaseStatus, c.status)),
          h("td", {}, c.assignee || "—"),
          h("td", { title: time(c.createTime) }, age(c.createTime)),
        ),
      ),
    );
    if (res.cases.length === 0) body.append(h("tr", {}, h("td", { colspan: 7, class: "muted" }, "No cases.")));
    pager.replaceChildren(
      h("button", { type: "button", disabled: page === 0, onclick: () => { page--; void load(); } }, "Previous"),
      h("span", { class: "muted" }, `Page ${page + 1}`),
      h("button", { type: "button", disabled: res.nextPageToken === "", onclick: () => { page++; void load(); } }, "Next"),
    );
  };
  for (const s of [status, severity, tenant]) {
    s.addEventListener("change", () => {
      tokens.length = 1;
      page = 0;
      void load();
    });
  }
  view(
    "Cases",
    h(
      "div",
      { class: "toolbar" },
      status,
      severity,
      tenant,
      h("span", { class: "spacer" }),
      h("button", { type: "button", class: "primary", id: "create-case", onclick: () => createCaseDialog([]) }, "Create case"),
    ),
    h(
      "table",
      { id: "cases" },
      h("thead", {}, h("tr", {}, ...["Tenant", "Number", "Name", "Severity", "Status", "Assignee", "Age"].map((t) => h("th", {}, t)))),
      body,
    ),
    pager,
  );
  await load();
}

// The name input with the display-name rule shown as one types.
function nameInput(id: string): { input: HTMLInputElement; row: HTMLElement } {
  const input = h("input", { id, required: true, maxlength: 120, autocomplete: "off" });
  const hint = h("small", { class: "hint", id: `${id}-rule`, "aria-live": "polite" },
    "Letters, digits, spaces and . , - _ : ( ) ' ! ? only.");
  input.addEventListener("input", () => {
    const problem = displayNameProblem(input.value);
    hint.textContent = problem === "" ? "✓ A valid name." : problem;
    hint.classList.toggle("bad", problem !== "");
    input.setAttribute("aria-invalid", String(problem !== ""));
  });
  return { input, row: field("Name", input, hint) };
}

// "Create case": the kind first (self-managed, MDR or Managed Risk service request), then its form.
function createCaseDialog(detections: string[]): void {
  const kinds: Array<[string, string]> = [["self", "Self-managed case"]];
  if (detections.length === 0) {
    kinds.push(["mdr", "MDR service request"], ["risk", "Managed Risk service request"]);
  }
  const chooser = h(
    "fieldset",
    { class: "kinds" },
    h("legend", {}, "Case type"),
    ...kinds.map(([value, label], i) =>
      h("label", {}, h("input", { type: "radio", name: "kind", value, checked: i === 0 }), " ", label),
    ),
  );
  const form = h("form", { id: "create-form" });
  const renderForm = (): void => {
    const kind = (chooser.querySelector("input:checked") as HTMLInputElement).value;
    form.replaceChildren();
    const tenant = select({ id: "create-tenant" }, tenantOptions(), state.tenant);
    const { input: name, row: nameRow } = nameInput("create-name");
    const description = h("textarea", { id: "create-description", rows: 3 });
    append(form, field("Tenant", tenant), nameRow, field("Description", description));
    let extra: () => Record<string, unknown> = () => ({});
    if (kind === "self") {
      const severity = select({ id: "create-severity" }, enumOptions(Severity), Severity.MEDIUM);
      const status = select({ id: "create-status" }, enumOptions(CaseStatus).filter(([v]) => v !== CaseStatus.RESOLVED), CaseStatus.NEW);
      const assignee = h("input", { id: "create-assignee", placeholder: "Who will investigate (optional)" });
      append(form, field("Severity", severity), field("Status", status), field("Assignee", assignee));
      extra = () => ({ severity: Number(severity.value), status: Number(status.value), assignee: assignee.value.trim() });
    }
    if (detections.length > 0) append(form, h("p", { class: "muted" }, `${detections.length} detection(s) will be added.`));
    append(form, h("div", { class: "actions" },
      h("button", { type: "button", onclick: closeDialog }, "Cancel"),
      h("button", { type: "submit", class: "primary" }, "Create")));
    form.onsubmit = async (ev) => {
      ev.preventDefault();
      const requestId = crypto.randomUUID();
      if (kind === "self") {
        const made = await attempt(() => api.cases.createCase({
          parent: tenant.value, requestId, detections,
          case: { displayName: name.value, description: description.value, type: CaseType.SELF_MANAGED, ...extra() },
        }), form);
        if (made !== undefined) go(`#/case/${made.name}`);
      } else {
        const made = await attempt(() => api.requests.createServiceRequest({
          parent: tenant.value, requestId,
          serviceRequest: {
            displayName: name.value, description: description.value,
            type: kind === "mdr" ? ServiceRequestType.MDR : ServiceRequestType.MANAGED_RISK,
          },
        }), form);
        if (made !== undefined) go(`#/request/${made.name}`);
      }
    };
  };
  chooser.addEventListener("change", renderForm);
  renderForm();
  openDialog(detections.length > 0 ? "Create case from detections" : "Create case", h("div", {}, chooser, form));
}

async function caseView(name: string): Promise<void> {
  const c = await attempt(() => api.cases.getCase({ name }, { signal: viewAbort.signal }));
  if (c === undefined) return view("Case", h("p", {}, h("a", { href: "#/cases" }, "Back to cases")));
  const tenant = tenantOf(name);
  const facts: Array<[string, Node | string]> = [
    ["Tenant", c.tenantDisplayName || tenantLabel(tenant)],
    ["Type", enumLabel(CaseType, c.type)],
    ["Status", enumLabel(CaseStatus, c.status)],
    ["Severity", enumLabel(Severity, c.severity)],
    ["Priority", enumLabel(Priority, c.priority)],
    ["Assignee", c.assignee || "—"],
    ["Queue", c.queue || "—"],
    ["Detections", String(c.detectionCount)],
    ["Created", `${time(c.createTime)} by ${c.creator}`],
    ["Updated", time(c.updateTime)],
  ];
  if (c.sourceAlert !== "") facts.push(["Source alert", h("a", { href: `#/alert/${c.sourceAlert}`, "data-no-redirect": "1" }, c.sourceAlert)]);
  if (c.closeReason !== CloseReason.UNSPECIFIED) facts.push(["Close reason", enumLabel(CloseReason, c.closeReason)]);
  if (c.closeNote !== "") facts.push(["Close note", c.closeNote]);
  const detections = h("tbody");
  const history = h("ol", { class: "timeline", id: "history" });
  const notes = h("ul", { class: "notes", id: "notes" });
  view(
    `CASE-${c.number} ${c.displayName}`,
    c.description !== "" ? h("p", { class: "description" }, c.description) : null,
    h("dl", { class: "facts", id: "case-facts" }, ...facts.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
    statusForm(c),
    h("h2", {}, "Detections"),
    h("table", { id: "case-detections" },
      h("thead", {}, h("tr", {}, ...["Title", "Severity", "Product", "Device", "Detected"].map((t) => h("th", {}, t)))),
      detections),
    h("h2", {}, "Notes"),
    notes,
    noteForm(name),
    h("h2", {}, "History"),
    history,
  );
  const [dets, events, noteList] = await Promise.all([
    attempt(() => api.detections.listDetections({ parent: tenant, filter: `cases:"${name}"`, pageSize: 100 }, { signal: viewAbort.signal })),
    attempt(() => api.cases.listCaseEvents({ parent: name, pageSize: 100 }, { signal: viewAbort.signal })),
    attempt(() => api.cases.listCaseNotes({ parent: name, pageSize: 100 }, { signal: viewAbort.signal })),
  ]);
  detections.replaceChildren(...(dets?.detections ?? []).map(detectionRow));
  if ((dets?.detections.length ?? 0) === 0) detections.append(h("tr", {}, h("td", { colspan: 5, class: "muted" }, "No detections.")));
  history.replaceChildren(...(events?.events ?? []).map((e) =>
    h("li", {},
      h("time", {}, time(e.createTime)), " ",
      h("strong", {}, enumLabel(EventType, e.type)), ` by ${e.actor}`,
      e.summary !== "" ? h("div", {}, e.summary) : null,
      e.changes.length > 0 ? h("div", { class: "muted" }, e.changes.map((ch) => `${ch.field}: ${ch.oldValue || "—"} → ${ch.newValue || "—"}`).join("; ")) : null)));
  notes.replaceChildren(...(noteList?.notes ?? []).map((n) =>
    h("li", {}, h("div", { class: "muted" }, `${n.author} · ${time(n.createTime)}`), h("div", {}, n.body))));
}

function detectionRow(d: Detection): HTMLElement {
  return h("tr", {},
    h("td", {}, d.title),
    h("td", {}, enumLabel(Severity, d.severity)),
    h("td", {}, enumLabel(Product, d.product)),
    h("td", {}, d.device || "—"),
    h("td", {}, time(d.detectTime)));
}

// The close reason and the "Other" note (1–600 characters, counted as one types).
interface CloseFields {
  row: HTMLElement;
  // The close_reason and close_note a status change sends: none unless it closes.
  values(closing: boolean): { closeReason: CloseReason; closeNote: string };
}

function closeFields(prefix: string): CloseFields {
  const reason = select({ id: `${prefix}-close-reason` }, enumOptions(CloseReason));
  const note = h("textarea", { id: `${prefix}-close-note`, rows: 3, maxlength: MAX_CLOSE_NOTE });
  const counter = h("small", { class: "hint", "aria-live": "polite" }, `0 / ${MAX_CLOSE_NOTE}`);
  note.addEventListener("input", () => { counter.textContent = `${Array.from(note.value).length} / ${MAX_CLOSE_NOTE}`; });
  const noteRow = field("Reason (Other)", note, counter);
  const sync = (): void => { noteRow.hidden = Number(reason.value) !== CloseReason.OTHER; };
  reason.addEventListener("change", sync);
  sync();
  return {
    row: h("div", {}, field("Closed reason", reason), noteRow),
    values: (closing) => {
      const closeReason = closing ? (Number(reason.value) as CloseReason) : CloseReason.UNSPECIFIED;
      return { closeReason, closeNote: closeReason === CloseReason.OTHER ? note.value : "" };
    },
  };
}

function statusForm(c: Case): HTMLElement {
  const status = select({ id: "case-status" }, enumOptions(CaseStatus), c.status);
  const close = closeFields("case");
  const sync = (): void => { close.row.hidden = Number(status.value) !== CaseStatus.RESOLVED; };
  status.addEventListener("change", sync);
  sync();
  const form = h("form", { class: "card", id: "status-form" },
    h("h2", {}, "Status"), field("Status", status), close.row,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Save status")));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const resolved = Number(status.value) === CaseStatus.RESOLVED;
    const paths = resolved ? ["status", "close_reason", "close_note"] : ["status"];
    const updated = await attempt(() => api.cases.updateCase({
      case: {
        name: c.name, etag: c.etag, status: Number(status.value), ...close.values(resolved),
      },
      updateMask: { paths },
    }), form);
    if (updated !== undefined) go(`#/case/${c.name}`);
  });
  return form;
}

function noteForm(caseName: string): HTMLElement {
  const body = h("textarea", { id: "note-body", rows: 3, "aria-label": "New note" });
  const form = h("form", { class: "card" }, body,
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Add note")));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const made = await attempt(() => api.cases.createCaseNote({ parent: caseName, note: { body: body.value }, requestId: crypto.randomUUID() }), form);
    if (made !== undefined) go(`#/case/${caseName}`);
  });
  return form;
}

// ---- detections -----------------------------------------------------------

async function detectionsView(): Promise<void> {
  const body = h("tbody");
  const chosen = (): string[] =>
    Array.from(body.querySelectorAll<HTMLInputElement>("input[type=checkbox]:checked")).map((i) => i.value);
  const menu = h("div", { class: "menu", id: "actions-menu", hidden: true, role: "menu" },
    h("button", { type: "button", role: "menuitem", onclick: () => { menu.hidden = true; createCaseDialog(chosen()); } }, "Create Case"),
    h("button", { type: "button", role: "menuitem", onclick: () => { menu.hidden = true; void addToCaseDialog(chosen()); } }, "Add to Case"));
  const actions = h("button", { type: "button", id: "actions", "aria-haspopup": "menu", disabled: true,
    onclick: () => { menu.hidden = !menu.hidden; menu.querySelector<HTMLElement>("button")?.focus(); } }, "Actions ▾");
  body.addEventListener("change", () => { actions.disabled = chosen().length === 0; });
  view(`Detections · ${tenantLabel(state.tenant)}`,
    h("div", { class: "toolbar" }, h("span", { class: "spacer" }), h("div", { class: "menu-wrap" }, actions, menu)),
    h("table", { id: "detections" },
      h("thead", {}, h("tr", {}, ...["", "Title", "Severity", "Product", "Device", "Alert", "Case", "Detected"].map((t) => h("th", {}, t)))),
      body));
  const res = await attempt(() => api.detections.listDetections({ parent: state.tenant, pageSize: 100 }, { signal: viewAbort.signal }));
  body.replaceChildren(...(res?.detections ?? []).map((d) =>
    h("tr", {},
      h("td", {}, h("input", { type: "checkbox", value: d.name, "aria-label": `Select ${d.title}` })),
      h("td", {}, d.title),
      h("td", {}, enumLabel(Severity, d.severity)),
      h("td", {}, enumLabel(Product, d.product)),
      h("td", {}, d.device || "—"),
      h("td", {}, d.alert !== "" ? h("a", { href: `#/alert/${d.alert}` }, d.alertKey || "alert") : "—"),
      h("td", {}, d.case !== "" ? h("a", { href: `#/case/${d.case}` }, "case") : "—"),
      h("td", {}, time(d.detectTime)))));
}

async function addToCaseDialog(detections: string[]): Promise<void> {
  const res = await attempt(() => api.cases.listCases({ parent: state.tenant, filter: "status != RESOLVED", pageSize: 100 }));
  if (res === undefined) return;
  const target = select({ id: "add-to-case" }, res.cases.map((c) => [c.name, `CASE-${c.number} ${c.displayName}`]));
  const form = h("form", {}, field("Case", target),
    h("p", { class: "muted" }, `${detections.length} detection(s) selected.`),
    h("div", { class: "actions" },
      h("button", { type: "button", onclick: closeDialog }, "Cancel"),
      h("button", { type: "submit", class: "primary" }, "Add to Case")));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const updated = await attempt(() => api.cases.addCaseDetections({ case: target.value, detections }), form);
    if (updated !== undefined) go(`#/case/${updated.name}`);
  });
  openDialog("Add to Case", form);
}

// ---- alerts ---------------------------------------------------------------

async function alertsView(): Promise<void> {
  const body = h("tbody");
  view(`Alerts · ${tenantLabel(state.tenant)}`,
    h("table", { id: "alerts" },
      h("thead", {}, h("tr", {}, ...["Title", "Severity", "Product", "Detections", "Case", "Updated"].map((t) => h("th", {}, t)))),
      body));
  const res = await attempt(() => api.detections.listAlerts({ parent: state.tenant, pageSize: 100 }, { signal: viewAbort.signal }));
  body.replaceChildren(...(res?.alerts ?? []).map((a) =>
    h("tr", {},
      h("td", {}, h("a", { href: `#/alert/${a.name}` }, a.title || a.alertKey)),
      h("td", {}, enumLabel(Severity, a.severity)),
      h("td", {}, enumLabel(Product, a.product)),
      h("td", {}, String(a.detectionCount)),
      h("td", {}, a.case !== "" ? "Converted" : "—"),
      h("td", {}, time(a.updateTime)))));
}

// An alert; once converted, selecting it leads to its case.
async function alertView(name: string): Promise<void> {
  const a = await attempt(() => api.detections.getAlert({ name }, { signal: viewAbort.signal }));
  if (a === undefined) return view("Alert", null);
  if (a.case !== "") {
    location.replace(`#/case/${a.case}`);
    return;
  }
  view(a.title || a.alertKey,
    h("dl", { class: "facts" },
      h("dt", {}, "Severity"), h("dd", {}, enumLabel(Severity, a.severity)),
      h("dt", {}, "Product"), h("dd", {}, enumLabel(Product, a.product)),
      h("dt", {}, "Detections"), h("dd", {}, String(a.detectionCount)),
      h("dt", {}, "Created"), h("dd", {}, time(a.createTime))),
    h("div", { class: "toolbar" },
      h("button", { type: "button", class: "primary", id: "convert", onclick: () => void convertDialog(a) }, "Convert to Case")));
}

async function convertDialog(a: Alert): Promise<void> {
  const tenant = tenantOf(a.name);
  const queues = await attempt(() => api.cases.listQueues({ parent: tenant, pageSize: 100 }));
  const stage = select({ id: "convert-stage" }, enumOptions(CaseStatus).map(([v, l]) => [v, v === CaseStatus.RESOLVED ? "Closed" : l]), CaseStatus.NEW);
  const close = closeFields("convert");
  const queue = select({ id: "convert-queue" }, [["", "No queue"], ...(queues?.queues ?? []).map((q): [string, string] => [q.name, q.displayName])]);
  const assignee = h("input", { id: "convert-assignee", placeholder: "Optional" });
  const priority = select({ id: "convert-priority", required: true }, [["", "Select…"], ...enumOptions(Priority)]);
  const sync = (): void => { close.row.hidden = Number(stage.value) !== CaseStatus.RESOLVED; };
  stage.addEventListener("change", sync);
  sync();
  const form = h("form", { id: "convert-form" },
    field("Stage (optional)", stage), close.row, field("Queue (optional)", queue),
    field("Assignee (optional)", assignee), field("Priority", priority),
    h("div", { class: "actions" },
      h("button", { type: "button", onclick: closeDialog }, "Cancel"),
      h("button", { type: "submit", class: "primary" }, "Convert")));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const closed = Number(stage.value) === CaseStatus.RESOLVED;
    const made = await attempt(() => api.cases.convertAlertToCase({
      alert: a.name, requestId: crypto.randomUUID(),
      case: {
        status: Number(stage.value), priority: Number(priority.value || 0), queue: queue.value,
        assignee: assignee.value.trim(), ...close.values(closed),
      },
    }), form);
    if (made !== undefined) go(`#/case/${made.name}`);
  });
  openDialog("Convert to Case", form);
}

// ---- service requests -----------------------------------------------------

async function requestsView(): Promise<void> {
  const body = h("tbody");
  view("Service requests",
    h("div", { class: "toolbar" }, h("span", { class: "spacer" }),
      h("button", { type: "button", class: "primary", onclick: () => createCaseDialog([]) }, "Create case")),
    h("table", { id: "requests" },
      h("thead", {}, h("tr", {}, ...["Tenant", "Name", "Type", "Status", "Updated"].map((t) => h("th", {}, t)))),
      body));
  const res = await attempt(() => api.requests.listServiceRequests({ parent: listParent(), pageSize: 100 }, { signal: viewAbort.signal }));
  body.replaceChildren(...(res?.serviceRequests ?? []).map((r) =>
    h("tr", {},
      h("td", {}, r.tenantDisplayName || tenantLabel(tenantOf(r.name))),
      h("td", {}, h("a", { href: `#/request/${r.name}` }, r.displayName)),
      h("td", {}, enumLabel(ServiceRequestType, r.type)),
      h("td", {}, enumLabel(ServiceRequestStatus, r.status)),
      h("td", {}, time(r.updateTime)))));
}

// A service request and its Messages tab: the backlog and live messages from one
// server stream, and a box to write to the provider's team.
async function requestView(name: string): Promise<void> {
  const r = await attempt(() => api.requests.getServiceRequest({ name }, { signal: viewAbort.signal }));
  if (r === undefined) return view("Service request", null);
  const list = h("ol", { class: "messages", id: "messages", "aria-live": "polite" });
  const live = h("span", { class: "muted", id: "stream-state" }, "connecting…");
  const text = h("textarea", { id: "message-body", rows: 3, "aria-label": "Message" });
  const form = h("form", { class: "card" }, text,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Send")));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const sent = await attempt(() => api.requests.createMessage({ parent: name, message: { body: text.value }, requestId: crypto.randomUUID() }), form);
    if (sent !== undefined) text.value = "";
  });
  view(r.displayName,
    r.description !== "" ? h("p", { class: "description" }, r.description) : null,
    h("dl", { class: "facts" },
      h("dt", {}, "Type"), h("dd", {}, enumLabel(ServiceRequestType, r.type)),
      h("dt", {}, "Status"), h("dd", {}, enumLabel(ServiceRequestStatus, r.status)),
      h("dt", {}, "Tenant"), h("dd", {}, r.tenantDisplayName),
      h("dt", {}, "Created"), h("dd", {}, `${time(r.createTime)} by ${r.creator}`)),
    h("h2", { role: "tab", "aria-selected": "true" }, "Messages ", live),
    list,
    form);
  const signal = viewAbort.signal;
  try {
    const stream = api.requests.streamMessages({ parent: name }, { signal });
    live.textContent = "live";
    for await (const m of stream) list.append(messageItem(m));
  } catch (err) {
    if (!signal.aborted) {
      live.textContent = "disconnected";
      main.prepend(errorBox(serverError(err)));
    }
  }
}

function messageItem(m: Message): HTMLElement {
  return h("li", { class: m.side === MessageSide.PROVIDER ? "provider" : "customer" },
    h("div", { class: "muted" }, `${m.author} (${enumLabel(MessageSide, m.side)}) · ${time(m.createTime)}`),
    h("div", {}, m.body));
}

// ---- start ----------------------------------------------------------------

dialog.addEventListener("close", () => dialog.replaceChildren());
document.addEventListener("keydown", (ev) => {
  if (ev.key === "Escape") document.querySelectorAll<HTMLElement>(".menu").forEach((m) => { m.hidden = true; });
});
window.addEventListener("hashchange", () => void route());
void route();
