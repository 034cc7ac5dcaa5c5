import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SYNC_ACTIONS } from "./event.js";
import { classifyInbound, teamNamespace } from "./routing.js";
import { memoryEvent } from "./test-support.js";

const here = { namespace: "prod-shared", region: "region-b", band: { floor: 0, ceiling: 12 } };

describe("classifyInbound", () => {
  it("applies a peer's event of our namespace inside our band", () => {
    expect(classifyInbound(memoryEvent({ privacy: 5 }), here)).toEqual({ verdict: "apply" });
  });

  it("drops a foreign namespace before anything else", () => {
    expect(classifyInbound(memoryEvent({ namespace: "other-tenant" }), here)).toEqual({
      verdict: "drop",
      reason: "namespace",
    });
    expect(
      classifyInbound(memoryEvent({ namespace: "other-tenant", origin: "region-b" }), here),
    ).toEqual({ verdict: "drop", reason: "namespace" });
  });

  it("ignores our own events coming back", () => {
    expect(classifyInbound(memoryEvent({ origin: "region-b" }), here)).toEqual({
      verdict: "drop",
      reason: "echo",
    });
  });

  it("redacts a record outside our band even when the publisher sent it", () => {
    expect(classifyInbound(memoryEvent({ privacy: -12 }), here)).toEqual({
      verdict: "redact",
      reason: "privacy",
    });
    expect(classifyInbound(memoryEvent({ action: "memory.updated", privacy: 13 }), here)).toEqual({
      verdict: "redact",
      reason: "privacy",
    });
    expect(classifyInbound(memoryEvent({ privacy: null }), here)).toEqual({
      verdict: "redact",
      reason: "privacy",
    });
  });

  it("passes deletes and decrements whatever their privacy, since they carry no content", () => {
    expect(
      classifyInbound(
        memoryEvent({ action: "memory.deleted", privacy: -15, payload: undefined }),
        here,
      ),
    ).toEqual({ verdict: "apply" });
    expect(
      classifyInbound(
        memoryEvent({ action: "schedule.decrement", entity_type: "schedule", privacy: null }),
        here,
      ),
    ).toEqual({ verdict: "apply" });
    expect(
      classifyInbound(memoryEvent({ action: "memory.redacted", payload: undefined }), here),
    ).toEqual({ verdict: "redact", reason: "redacted" });
  });

  it("never lets content outside the band through, for any action and privacy", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SYNC_ACTIONS),
        fc.option(fc.double({ min: -15, max: 15, noNaN: true })),
        (action, privacy) => {
          const verdict = classifyInbound(memoryEvent({ action, privacy }), here);
          const carriesContent =
            action === "memory.created" ||
            action === "memory.updated" ||
            action === "thread.updated";
          if (verdict.verdict === "apply" && carriesContent) {
            expect(privacy).not.toBeNull();
            expect(privacy as number).toBeGreaterThanOrEqual(0);
            expect(privacy as number).toBeLessThanOrEqual(12);
          }
        },
      ),
    );
  });
});

describe("teamNamespace", () => {
  it("prefixes team spaces as the original does", () => {
    expect(teamNamespace("team", "alpha")).toBe("team-alpha");
  });
});
