// The reference console in a real headless Chromium (Debian's, driven by
// puppeteer-core) against a real casesd: both seed flows (Sophos "Create case" then
// "Add to Case"; Exabeam "Convert to Case" and the redirect from a converted
// alert), a service request with live messages, the partner queue and a refused
// close. Screenshots of each step go to CASES_SHOTS.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { after, before, test } from "node:test";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { createConnectTransport } from "@connectrpc/connect-node";
import { bearer, clientsFor } from "../src/client.js";
import { Priority, Severity } from "../src/gen/soc/cases/v1/common_pb.js";
import { CaseStatus, CloseReason } from "../src/gen/soc/cases/v1/case_service_pb.js";
import { env } from "./env.js";

const baseUrl = env("CASES_HTTP_URL");
const tenant = env("CASES_TENANT");
const shots = env("CASES_SHOTS");
const api = (token: string) =>
  clientsFor(createConnectTransport({ baseUrl, httpVersion: "1.1", interceptors: [bearer(() => token)] }));

let browser: Browser;
let page: Page;
const offsite: string[] = []; // every request the page made anywhere but casesd
const pageErrors: string[] = [];
let shot = 0;

async function snap(name: string): Promise<void> {
  shot += 1;
  await page.screenshot({ path: `${shots}/${String(shot).padStart(2, "0")}-${name}.png` });
}

// Waits until `selector`'s text matches `pattern`.
async function waitText(selector: string, pattern: RegExp, timeout = 10_000): Promise<string> {
  try {
    await page.waitForFunction(
      (s: string, src: string, flags: string) => {
        const el = document.querySelector(s);
        return el !== null && new RegExp(src, flags).test(el.textContent ?? "");
      },
      { timeout },
      selector,
      pattern.source,
      pattern.flags,
    );
  } catch (err) {
    const seen = await page.$eval(selector, (el) => el.textContent ?? "").catch(() => "(no such element)");
    throw new Error(`${selector} never matched ${pattern}; it shows: ${seen.slice(0, 400)}`, { cause: err });
  }
  return page.$eval(selector, (el) => el.textContent ?? "");
}

async function signIn(token: string): Promise<void> {
  await page.goto(`${baseUrl}/console/#/token`);
  await page.waitForSelector("#token");
  await page.$eval("#token", (el) => { (el as HTMLTextAreaElement).value = ""; });
  await page.type("#token", token);
  await page.click("form button[type=submit]");
  await waitText("h1", /^Cases$/);
}

async function fact(label: string): Promise<string> {
  return page.$$eval(
    "#case-facts dt",
    (dts, wanted) => dts.find((dt) => dt.textContent === wanted)?.nextElementSibling?.textContent ?? "",
    label,
  );
}

before(async () => {
  mkdirSync(shots, { recursive: true });
  browser = await puppeteer.launch({
    executablePath: env("CASES_CHROMIUM"),
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
  });
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  page.on("request", (r) => {
    if (!r.url().startsWith(baseUrl) && !r.url().startsWith("data:")) offsite.push(r.url());
  });
  page.on("pageerror", (e) => pageErrors.push(String(e)));
});

after(async () => {
  await browser?.close();
});

test("Sophos flow: Create case from the Cases page, then Add to Case from Detections, then close it", async () => {
  await page.goto(`${baseUrl}/console/`);
  await page.waitForSelector("#token");
  await page.type("#token", env("CASES_TOKEN"));
  await snap("sign-in");
  await page.click("form button[type=submit]");
  await waitText("h1", /^Cases$/);
  await snap("cases");

  // Keyboard: the button opens the dialog with Enter, Escape closes it.
  await page.focus("#create-case");
  await page.keyboard.press("Enter");
  await page.waitForSelector("dialog[open] #create-name");
  await page.keyboard.press("Escape");
  await page.waitForFunction(() => !document.querySelector("dialog")?.open);

  await page.click("#create-case");
  await page.waitForSelector("dialog[open] #create-name");
  // The display-name rule, shown while typing.
  await page.type("#create-name", "Payroll <export>");
  assert.match(await waitText("#create-name-rule", /not allowed/), /"<" is not allowed/);
  await snap("create-case-name-rule");
  await page.$eval("#create-name", (el) => { (el as HTMLInputElement).value = ""; });
  await page.type("#create-name", "Suspicious PowerShell on web-1");
  await waitText("#create-name-rule", /valid name/);
  await page.type("#create-description", "Encoded command launched by Word");
  await page.select("#create-severity", String(Severity.HIGH));
  await page.select("#create-status", String(CaseStatus.NEW));
  await page.type("#create-assignee", "alice");
  await snap("create-case");
  await page.click("#create-form button[type=submit]");
  const title = await waitText("h1", /^CASE-\d+ Suspicious PowerShell on web-1$/);
  const caseHash = await page.evaluate(() => location.hash);
  assert.equal(await fact("Severity"), "High");
  assert.equal(await fact("Status"), "New");
  assert.equal(await fact("Assignee"), "alice");
  assert.equal(await fact("Type"), "Self managed");
  await snap("case-details");

  await page.click('nav a[href="#/detections"]');
  await page.waitForSelector('input[aria-label="Select Credential dumping"]');
  for (const box of await page.$$('input[aria-label="Select Credential dumping"]')) await box.click();
  await page.click("#actions");
  await page.click('#actions-menu button:nth-child(2)');
  await page.waitForSelector("dialog[open] #add-to-case");
  await page.select("#add-to-case", caseHash.replace("#/case/", ""));
  await snap("add-to-case");
  await page.click("dialog[open] button[type=submit]");
  await waitText("h1", new RegExp(`^${title}$`));
  await waitText("#case-detections tbody", /Credential dumping.*Credential dumping/);
  assert.equal(await fact("Detections"), "2");
  await waitText("#history", /Detections added/);
  await snap("case-with-detections");

  // Closing: Resolved with a reason.
  await page.select("#case-status", String(CaseStatus.RESOLVED));
  await page.select("#case-close-reason", String(CloseReason.FALSE_POSITIVE_OR_DUPLICATE));
  await page.click("#status-form button[type=submit]");
  await page.waitForFunction(() => document.querySelector("#case-facts")?.textContent?.includes("Close reason"));
  assert.equal(await fact("Status"), "Resolved");
  assert.equal(await fact("Close reason"), "False positive or duplicate");
  await snap("case-closed");
});

test("Exabeam flow: Convert to Case with stage, reason, queue, assignee and priority; the alert then leads to its case", async () => {
  await page.click('nav a[href="#/alerts"]');
  await page.waitForSelector("#alerts a");
  const link = await page.$$eval("#alerts a", (as) =>
    as.find((a) => a.textContent === "Ransomware behaviour")?.getAttribute("href") ?? "");
  assert.notEqual(link, "", "the seeded alert is listed");
  await page.click(`#alerts a[href="${link}"]`);
  await page.waitForSelector("#convert");
  await snap("alert");
  await page.click("#convert");
  await page.waitForSelector("dialog[open] #convert-stage");
  await page.select("#convert-stage", String(CaseStatus.RESOLVED));
  await page.select("#convert-close-reason", String(CloseReason.OTHER));
  // The "Other" note: at most 600 characters, counted while typing.
  await page.$eval("#convert-close-note", (el) => { (el as HTMLTextAreaElement).value = "x".repeat(598); });
  await page.type("#convert-close-note", "abcd");
  assert.equal(await page.$eval("#convert-close-note", (el) => (el as HTMLTextAreaElement).value.length), 600);
  await waitText("dialog[open] .hint", /600 \/ 600/);
  await page.$eval("#convert-close-note", (el) => { (el as HTMLTextAreaElement).value = ""; });
  await page.type("#convert-close-note", "Authorised red-team exercise");
  const queue = await page.$$eval("#convert-queue option", (os) => os.find((o) => o.textContent === "Tier 2")?.getAttribute("value") ?? "");
  await page.select("#convert-queue", queue);
  await page.type("#convert-assignee", "bob");
  await page.select("#convert-priority", String(Priority.HIGH));
  await snap("convert-to-case");
  await page.click("#convert-form button[type=submit]");
  await waitText("h1", /^CASE-\d+ /);
  const caseHash = await page.evaluate(() => location.hash);
  assert.equal(await fact("Status"), "Resolved");
  assert.equal(await fact("Close reason"), "Other");
  assert.equal(await fact("Close note"), "Authorised red-team exercise");
  assert.equal(await fact("Assignee"), "bob");
  assert.equal(await fact("Priority"), "High");
  assert.equal(await fact("Queue"), queue);
  assert.match(await fact("Source alert"), /\/alerts\//);
  await waitText("#history", /Converted/);
  await snap("converted-case");

  // Selecting the converted alert now leads to its case.
  await page.click('nav a[href="#/alerts"]');
  await page.waitForSelector(`#alerts a[href="${link}"]`);
  await page.click(`#alerts a[href="${link}"]`);
  await page.waitForFunction((h: string) => location.hash === h, {}, caseHash);
  await waitText("h1", /^CASE-\d+ /);
});

test("Service request: created from Create case, messages arrive live over the server stream", async () => {
  await page.click('nav a[href="#/cases"]');
  await page.waitForSelector("#create-case");
  await page.click("#create-case");
  await page.waitForSelector('dialog[open] input[value="mdr"]');
  await page.click('input[name=kind][value="mdr"]');
  await page.waitForFunction(() => document.querySelector("#create-severity") === null);
  await page.type("#create-name", "Please review VPN logins");
  await page.type("#create-description", "Logins from a new country overnight");
  await snap("create-service-request");
  await page.click("#create-form button[type=submit]");
  await waitText("h1", /^Please review VPN logins$/);
  await waitText("#stream-state", /live/);
  await page.type("#message-body", "Can you check the 02:00 logins?");
  await page.click("form.card button[type=submit]");
  await waitText("#messages", /Can you check the 02:00 logins\?/);

  // The MDR team answers through the API; the open page shows it without reloading.
  const request = (await page.evaluate(() => location.hash)).replace("#/request/", "");
  await api(env("CASES_ANALYST_TOKEN")).requests.createMessage({
    parent: decodeURIComponent(request),
    message: { body: "Looking now: they match a known contractor." },
  });
  await waitText("#messages", /known contractor/);
  assert.equal(await page.$$eval("#messages li.provider", (li) => li.length), 1);
  await snap("service-request-messages");
});

test("Partner super admin: the queue across tenants, and closing refused in the server's words", async () => {
  const open = await api(env("CASES_TOKEN")).cases.createCase({
    parent: tenant,
    requestId: crypto.randomUUID(),
    case: { displayName: "Beaconing to a new domain", severity: Severity.CRITICAL },
  });
  await signIn(env("CASES_PARTNER_TOKEN"));
  await waitText("#cases tbody", /Beaconing to a new domain/);
  await page.select("#filter-severity", String(Severity.CRITICAL));
  await waitText("#cases tbody", /^(?!.*Suspicious PowerShell).*Beaconing to a new domain/);
  await page.select("#filter-tenant", tenant);
  await waitText("#cases tbody", /Beaconing to a new domain/);
  await snap("partner-queue");
  await page.click(`#cases a[href="#/case/${open.name}"]`);
  await waitText("h1", /Beaconing to a new domain/);
  await page.select("#case-status", String(CaseStatus.RESOLVED));
  await page.select("#case-close-reason", String(CloseReason.LOW_RISK));
  await page.click("#status-form button[type=submit]");
  const refusal = await waitText("#status-form .error", /closing a case needs/);
  assert.match(refusal, /permission_denied/);
  await snap("partner-close-refused");
  const still = await api(env("CASES_TOKEN")).cases.getCase({ name: open.name });
  assert.equal(still.status, CaseStatus.NEW);
});

test("the console fetched nothing from outside casesd and raised no script errors", () => {
  assert.deepEqual(offsite, []);
  assert.deepEqual(pageErrors, []);
});
