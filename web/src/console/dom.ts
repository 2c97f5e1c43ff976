// Small DOM helpers for the console: element building, labels for the API's
// enums, times, and the display-name rule the server applies (common/validation.cc).
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { ServerError } from "../client.js";

type Child = Node | string | number | false | null | undefined;
type Attrs = Record<string, string | number | boolean | EventListener | undefined>;

// h("button", {class: "primary", onclick: fn}, "Create") → <button class="primary">Create</button>
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") {
      el.addEventListener(key.replace(/^on/, ""), value);
    } else if (value === true) {
      el.setAttribute(key, "");
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, ...children);
  return el;
}

export function append(el: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === false || child === null || child === undefined) continue;
    el.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// A <select> of `options` ([value, label]) with `selected` chosen.
export function select(
  attrs: Attrs,
  options: Array<[string | number, string]>,
  selected: string | number = "",
): HTMLSelectElement {
  const el = h("select", attrs);
  for (const [value, label] of options) {
    el.appendChild(h("option", { value: String(value), selected: String(value) === String(selected) }, label));
  }
  return el;
}

// A labelled form row: <label>Text<control></label>, with an optional hint below.
export function field(label: string, control: HTMLElement, hint?: HTMLElement): HTMLElement {
  return h("label", { class: "field" }, h("span", {}, label), control, hint ?? null);
}

// Enum value → label, from the generated enum object (SEVERITY_HIGH's "HIGH" → "High").
export function enumLabel(enumObject: Record<string, string | number>, value: number): string {
  const key = enumObject[value];
  if (typeof key !== "string" || value === 0) return "—";
  if (key === "XDR" || key === "MDR") return key; // product names
  const words = key.toLowerCase().split("_").join(" ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// [value, label] pairs of an enum, without its UNSPECIFIED value.
export function enumOptions(enumObject: Record<string, string | number>): Array<[number, string]> {
  return Object.values(enumObject)
    .filter((v): v is number => typeof v === "number" && v !== 0)
    .map((v) => [v, enumLabel(enumObject, v)]);
}

export function time(ts: Timestamp | undefined): string {
  if (ts === undefined) return "—";
  return timestampDate(ts).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

// "3d 4h", "12m", "40s": how long ago `ts` was.
export function age(ts: Timestamp | undefined, now = Date.now()): string {
  if (ts === undefined) return "—";
  let s = Math.max(0, Math.floor((now - timestampDate(ts).getTime()) / 1000));
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const hours = Math.floor(s / 3600);
  s -= hours * 3600;
  const m = Math.floor(s / 60);
  if (d > 0) return `${d}d ${hours}h`;
  if (hours > 0) return `${hours}h ${m}m`;
  if (m > 0) return `${m}m`;
  return `${s}s`;
}

// The server's display-name rule, so the form can say what is wrong while one types:
// 1–120 characters, no leading or trailing space, letters (any script), digits, spaces
// and . , - _ : ( ) ' ! ? only. Returns "" when the name is acceptable.
export function displayNameProblem(name: string): string {
  if (name.length === 0) return "A name is required.";
  const chars = Array.from(name);
  if (chars.length > 120) return `At most 120 characters (${chars.length} now).`;
  if (name.startsWith(" ") || name.endsWith(" ")) return "It must not start or end with a space.";
  for (const ch of chars) {
    if (!isNameChar(ch.codePointAt(0) ?? 0)) {
      return `"${ch}" is not allowed: use letters, digits, spaces and . , - _ : ( ) ' ! ? only.`;
    }
  }
  return "";
}

function isNameChar(cp: number): boolean {
  if (" .,-_:()'!?".includes(String.fromCodePoint(cp))) return true;
  if (cp < 0x80) return /[A-Za-z0-9]/.test(String.fromCodePoint(cp));
  if (cp < 0xc0 || cp === 0xd7 || cp === 0xf7) return false;
  if ((cp >= 0x2000 && cp <= 0x2bff) || (cp >= 0x3000 && cp <= 0x303f) || (cp >= 0xe000 && cp <= 0xf8ff) ||
      (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xfff0 && cp <= 0xffff) || cp >= 0x1f000) {
    return false;
  }
  return true;
}

// An error as the server worded it: code, message, reason and each field violation.
export function errorBox(e: ServerError): HTMLElement {
  return h(
    "div",
    { class: "error", role: "alert" },
    h("strong", {}, e.message),
    h("div", { class: "muted" }, e.code, e.reason !== "" ? ` · ${e.reason}` : ""),
    e.violations.length > 0
      ? h("ul", {}, ...e.violations.map((v) => h("li", {}, h("code", {}, v.field), ": ", v.description)))
      : null,
  );
}
