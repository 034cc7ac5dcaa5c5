import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { issuePath } from "../problem.js";
import { ConfigError } from "./issues.js";
import { CONFIG_KEYS, configKeys } from "./keys.js";
import { normalizeSettings, PROTOTYPE_KEYS, readSettings } from "./normalize.js";
import { patchSettings } from "./patch.js";
import { FIXED_KEYS, FREE_FORM_KEYS } from "./schema.js";

/** The issues `normalizeSettings` throws for `input`, or [] when it reads. */
function issuesOf(input: unknown): Array<{ key: string; message: string }> {
  try {
    normalizeSettings(input);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map(({ key, message }) => ({ key, message }));
  }
}

describe("normalizeSettings: one reading of every form", () => {
  it("reads dotted, nested, mixed and other-case keys as the schema's dotted keys", () => {
    const canonical = { "sync.privacy_ceiling": 9, "sync.privacy_floor": 3 };
    expect(normalizeSettings({ "sync.privacy_floor": 3, "sync.privacy_ceiling": 9 })).toEqual(
      canonical,
    );
    expect(normalizeSettings({ sync: { privacy_floor: 3, privacy_ceiling: 9 } })).toEqual(
      canonical,
    );
    expect(normalizeSettings({ sync: { privacy_floor: 3 }, "sync.privacy_ceiling": 9 })).toEqual(
      canonical,
    );
    expect(normalizeSettings({ SYNC: { Privacy_Floor: 3 }, "Sync.PRIVACY_CEILING": 9 })).toEqual(
      canonical,
    );
  });

  it("keeps a free-form table whole and an entry's own case, and keeps null (a removal)", () => {
    expect(
      normalizeSettings({
        sync: { options: { Retries: 2 } },
        "Sync.Connect_Kwargs.Application_Name": "a",
        "logging.level": null,
      }),
    ).toEqual({
      "logging.level": null,
      "sync.connect_kwargs.Application_Name": "a",
      "sync.options": { Retries: 2 },
    });
  });

  it("refuses a fixed key in any form, naming it dotted and saying where it is set", () => {
    for (const body of [
      { "memory.namespace": "other" },
      { memory: { namespace: "other" } },
      { MEMORY: { NameSpace: "other" } },
      { "Memory.Namespace": null },
    ]) {
      const [issue, ...rest] = issuesOf(body);
      expect(rest).toEqual([]);
      expect(issue?.key).toBe("memory.namespace");
      expect(issue?.message).toMatch(/fixed for the life of a deployment/);
      expect(issue?.message).toContain("MEMORIA_MEMORY__NAMESPACE");
    }
    expect(issuesOf({ region: { id: "region-z" } }).map((i) => i.key)).toEqual(["region.id"]);
  });

  it("refuses a key given twice in two forms as ambiguous, naming it", () => {
    expect(issuesOf({ sync: { privacy_floor: 3 }, "sync.privacy_floor": -15 })).toEqual([
      {
        key: "sync.privacy_floor",
        message:
          'is given more than once (as {"sync": {"privacy_floor": …}} and as "sync.privacy_floor"): ambiguous, give it once',
      },
    ]);
    expect(
      issuesOf({ "sync.privacy_floor": 3, "SYNC.privacy_floor": 3 }).map((i) => i.key),
    ).toEqual(["sync.privacy_floor"]);
    // A table given whole and one of its entries on its own.
    expect(
      issuesOf({ "sync.options": { retries: 2 }, "sync.options.retries": 3 }).map((i) => i.key),
    ).toEqual(["sync.options.retries"]);
    // Another entry beside a whole table is not ambiguous: it is laid over it.
    expect(
      normalizeSettings({ "sync.options": { retries: 2 }, "sync.options.timeoutMs": 5 }),
    ).toEqual({ "sync.options": { retries: 2 }, "sync.options.timeoutMs": 5 });
  });

  it("refuses prototype keys at any depth, naming the path", () => {
    const cases: Array<[string, string]> = [
      ['{"__proto__": {"sync": {"privacy_floor": 5}}}', "__proto__"],
      ['{"sync": {"__proto__": {"privacy_floor": 5}}}', "sync.__proto__"],
      ['{"sync.constructor": 1}', "sync.constructor"],
      ['{"sync.options": {"prototype": 1}}', "sync.options.prototype"],
      ['{"sync.options": "{\\"__proto__\\": 1}"}', "sync.options.__proto__"],
      ['{"regions": [{"id": "a", "__proto__": {}}]}', "regions[0].__proto__"],
      ['{"nonsense": {"deeper": {"__proto__": 1}}}', "nonsense.deeper.__proto__"],
    ];
    for (const [body, key] of cases) {
      expect(issuesOf(JSON.parse(body)).map((i) => i.key)).toContain(key);
    }
  });

  it("refuses unknown keys, a section that is not a table, and a body that is not an object", () => {
    expect(issuesOf({ sync: { privacy_flor: 0 } })).toEqual([
      { key: "sync.privacy_flor", message: "unknown key" },
    ]);
    expect(issuesOf({ sync: 5 }).map((i) => i.key)).toEqual(["sync"]);
    expect(issuesOf({ "sync.options.a.b": 1 }).map((i) => i.key)).toEqual(["sync.options.a.b"]);
    expect(issuesOf([["sync.enabled", true]]).map((i) => i.key)).toEqual(["(root)"]);
    expect(issuesOf(null).map((i) => i.key)).toEqual(["(root)"]);
  });

  it("shows the value in loadConfig's report when given a source", () => {
    const { issues } = readSettings(
      { "sync.privacy_flor": 1 },
      { source: "PATCH /settings", layer: "override" },
    );
    expect(issues[0]?.origin).toEqual({ source: "PATCH /settings", raw: 1, layer: "override" });
  });
});

// ---- properties ----

/** Settable leaves that are neither fixed nor free-form tables: what both forms can set. */
const LEAVES = configKeys().filter(
  (key) =>
    !(FIXED_KEYS as readonly string[]).includes(key) &&
    !(FREE_FORM_KEYS as readonly string[]).includes(key) &&
    key.includes("."),
);
const TOP_LEVEL = configKeys().filter((key) => !key.includes("."));
const SECTIONS = CONFIG_KEYS.kind === "section" ? [...CONFIG_KEYS.children.keys()] : [];

const scalar = fc.oneof(fc.integer(), fc.boolean(), fc.string({ maxLength: 8 }), fc.constant(null));
/** A random case for a key, as env-style input may write it. */
const anyCase = (key: string) =>
  fc
    .array(fc.boolean(), { minLength: key.length, maxLength: key.length })
    .map((flips) =>
      [...key].map((ch, i) => (flips[i] ? ch.toUpperCase() : ch.toLowerCase())).join(""),
    );

type Form = "dotted" | "nested" | "dotted-case" | "nested-case";

/** Writes `[key, value]` pairs in the given forms into one body (nested sections merged). */
function write(entries: Array<[string, unknown, Form, string]>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [key, value, form, cased] of entries) {
    const name = form.endsWith("case") ? cased : key;
    if (form.startsWith("dotted")) {
      body[name] = value;
      continue;
    }
    const [section, leaf] = [name.slice(0, name.indexOf(".")), name.slice(name.indexOf(".") + 1)];
    // One spelling per section in one body: two spellings of it would be two keys.
    const existing = Object.keys(body).find((k) => k.toLowerCase() === section.toLowerCase());
    const spelling = existing ?? section;
    body[spelling] = { ...(body[spelling] as Record<string, unknown> | undefined), [leaf]: value };
  }
  return body;
}

const form = fc.constantFrom<Form>("dotted", "nested", "dotted-case", "nested-case");

/** Distinct keys with values, each written in two forms (`a` and `b`) of the same change. */
const change = fc
  .uniqueArray(fc.constantFrom(...LEAVES), { minLength: 1, maxLength: 6 })
  .chain((keys) =>
    fc.tuple(
      ...keys.map((key) =>
        fc.record({
          key: fc.constant(key),
          value: scalar,
          a: fc.tuple(form, anyCase(key)),
          b: fc.tuple(form, anyCase(key)),
        }),
      ),
    ),
  );
type Change = Array<{ key: string; value: unknown; a: [Form, string]; b: [Form, string] }>;
const inForm = (entries: Change, which: "a" | "b") =>
  write(entries.map((e): [string, unknown, Form, string] => [e.key, e.value, ...e[which]]));

describe("normalizeSettings: properties", () => {
  it("every form of the same change reads the same, and patches the store the same", () => {
    const stored = { "logging.level": "DEBUG", sync: { privacy_floor: 1 } };
    fc.assert(
      fc.property(change, (entries) => {
        const canonical = Object.fromEntries(entries.map((e) => [e.key, e.value]));
        expect(normalizeSettings(inForm(entries, "a"))).toEqual(canonical);
        expect(normalizeSettings(inForm(entries, "b"))).toEqual(canonical);
        expect(patchSettings(stored, inForm(entries, "a"))).toEqual(
          patchSettings(stored, inForm(entries, "b")),
        );
      }),
      { numRuns: 200 },
    );
  });

  it("any path to a fixed key is refused, naming it, whatever else the body holds", () => {
    const fixedBody = fc
      .tuple(fc.constantFrom(...FIXED_KEYS), scalar, form, change)
      .chain(([key, value, fixedForm, rest]) =>
        anyCase(key).map((cased) => ({
          key,
          body: write([
            [key, value, fixedForm, cased],
            ...rest.map((e): [string, unknown, Form, string] => [e.key, e.value, ...e.a]),
          ]),
        })),
      );
    fc.assert(
      fc.property(fixedBody, ({ key, body }) => {
        expect(issuesOf(body).map((i) => i.key)).toContain(key);
      }),
    );
  });

  it("a prototype key at any depth is refused, naming its path", () => {
    const segment = fc.oneof(
      fc.constantFrom(...SECTIONS, ...LEAVES.map((k) => k.split(".")[1] as string), "options"),
      fc.stringMatching(/^[a-z_]{1,6}$/).filter((s) => !PROTOTYPE_KEYS.has(s)),
      fc.constant(0),
    );
    const placed = fc.tuple(
      fc.array(segment, { minLength: 0, maxLength: 5 }),
      fc.constantFrom(...PROTOTYPE_KEYS),
      scalar,
    );
    fc.assert(
      fc.property(placed, ([path, proto, value]) => {
        // The first segment is a key of the body: an object, never an array index.
        const full = [...(typeof path[0] === "number" ? ["sync"] : []), ...path, proto];
        // JSON text, so `__proto__` is an own key as a parsed request body has it.
        const json = full.reduceRight<string>(
          (inner, part) =>
            typeof part === "number" ? `[${inner}]` : `{${JSON.stringify(part)}: ${inner}}`,
          JSON.stringify(value),
        );
        const keys = issuesOf(JSON.parse(json)).map((i) => i.key);
        expect(keys).toContain(issuePath(full));
      }),
      { numRuns: 300 },
    );
  });

  it("garbage never throws anything but a ConfigError", () => {
    const key = fc.oneof(
      fc.constantFrom(...configKeys(), ...SECTIONS, ...PROTOTYPE_KEYS, ...TOP_LEVEL),
      fc.string({ maxLength: 12 }),
      fc.constantFrom(".", "..", "", "sync.", ".sync", "sync..enabled", "sync.options.a.b"),
    );
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof(
        { depthSize: "small" },
        fc.anything(),
        fc
          .array(fc.tuple(key, tie("tree")), { maxLength: 5 })
          .map((entries) => Object.fromEntries(entries)),
      ),
    }));
    fc.assert(
      fc.property(tree, tree, (body, stored) => {
        for (const run of [
          () => normalizeSettings(body),
          () => patchSettings(isRecord(stored) ? stored : {}, body),
        ]) {
          try {
            run();
          } catch (error) {
            expect(error).toBeInstanceOf(ConfigError);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
