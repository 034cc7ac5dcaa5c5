import { describe, expect, it } from "vitest";
import { fromLegacy, legacyPrivacy } from "./legacy.js";

const base = {
  action: "memory.created",
  entity_type: "memory",
  namespace: "prod-shared",
  entity_id: "42",
  origin: "region-a",
  created_at: "2026-11-21T09:30:00.250000+00:00",
};

describe("fromLegacy", () => {
  it("converts the Python original's event to v1", () => {
    const result = fromLegacy(
      JSON.stringify({ ...base, payload: { snapshot: { y_coord: 7, text: "hello" } } }),
    );
    expect(result.success).toBe(true);
    if (!result.success) return;
    expect(result.data).toMatchObject({
      v: 1,
      action: "memory.created",
      entity_type: "memory",
      entity_id: "42",
      namespace: "prod-shared",
      origin: "region-a",
      privacy: 7,
      created_at: "2026-11-21T09:30:00.250Z",
      hlc: `${String(Date.UTC(2026, 10, 21, 9, 30, 0, 250)).padStart(15, "0")}:00000:region-a`,
      payload: { snapshot: { y_coord: 7, text: "hello" } },
    });
    expect(result.data.sig).toBeUndefined();
  });

  it("takes privacy from payload.privacy, then snapshot, replica record, changes", () => {
    expect(legacyPrivacy({ privacy: 1, snapshot: { y_coord: 2 } })).toBe(1);
    expect(legacyPrivacy({ snapshot: { y_coord: 2 }, replica: { record: { y_coord: 3 } } })).toBe(
      2,
    );
    expect(legacyPrivacy({ replica: { record: { y_coord: 3 } }, changes: { y_coord: 4 } })).toBe(3);
    expect(legacyPrivacy({ changes: { y_coord: "-4.5" } })).toBe(-4.5);
    expect(legacyPrivacy({ changes: { text: "no y" } })).toBeNull();
    expect(legacyPrivacy(undefined)).toBeNull();
  });

  it("gives the same id to the same event delivered twice", () => {
    const a = fromLegacy({ ...base, payload: { privacy: 3 } });
    const b = fromLegacy({ ...base, payload: { privacy: 3 } });
    const c = fromLegacy({ ...base, payload: { privacy: 4 } });
    expect(a.success && b.success && c.success).toBe(true);
    if (!(a.success && b.success && c.success)) return;
    expect(a.data.id).toBe(b.data.id);
    expect(a.data.id).not.toBe(c.data.id);
  });

  it("treats naive times as UTC and fills a missing origin and entity id", () => {
    const { origin: _o, entity_id: _e, ...rest } = base;
    const result = fromLegacy({
      ...rest,
      action: "schedule.decrement",
      entity_type: "schedule",
      created_at: "2026-11-21T00:00:00",
    });
    expect(result).toMatchObject({
      success: true,
      data: {
        origin: "legacy",
        created_at: "2026-11-21T00:00:00.000Z",
        privacy: null,
        entity_id: expect.stringContaining("schedule:prod-shared:"),
      },
    });
  });

  it("names the bad field of a malformed legacy event", () => {
    expect(fromLegacy({ ...base, action: "memory.exploded" })).toMatchObject({
      success: false,
      errors: [{ field: "action" }],
    });
    expect(fromLegacy({ ...base, created_at: "tuesday" })).toMatchObject({
      success: false,
      errors: [{ field: "created_at" }],
    });
    expect(fromLegacy({ ...base, payload: { privacy: 99 } })).toMatchObject({
      success: false,
      errors: [{ field: "privacy" }],
    });
  });
});
