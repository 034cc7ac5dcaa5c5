import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SYNC_ACTIONS } from "./event.js";
import {
  classifyInbound,
  isOwnNamespace,
  servesTeam,
  spaceOf,
  TEAM_PATTERN,
  teamNamespace,
  teamOfSpace,
} from "./routing.js";
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

const namespaces = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,20}$/);
const prefixes = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
const teams = fc.stringMatching(TEAM_PATTERN);

describe("team spaces", () => {
  it("spaceOf and teamOfSpace undo each other (property)", () => {
    fc.assert(
      fc.property(namespaces, prefixes, fc.option(teams), (namespace, prefix, team) => {
        expect(teamOfSpace(namespace, prefix, spaceOf(namespace, prefix, team))).toBe(team);
      }),
    );
    fc.assert(
      fc.property(namespaces, prefixes, fc.string({ maxLength: 40 }), (namespace, prefix, tail) => {
        // Whatever a space names, it is the space of that team, or names no team of ours.
        for (const space of [tail, `${namespace}${tail}`, `${namespace}:${prefix}-${tail}`]) {
          const team = teamOfSpace(namespace, prefix, space);
          if (team !== undefined) expect(spaceOf(namespace, prefix, team)).toBe(space);
        }
      }),
    );
  });

  it("spells a team's space as <namespace>:<prefix>-<team>", () => {
    expect(spaceOf("prod-shared", "team", "alpha")).toBe("prod-shared:team-alpha");
    expect(spaceOf("prod-shared", "team", null)).toBe("prod-shared");
    expect(spaceOf("prod-shared", "team", undefined)).toBe("prod-shared");
    expect(teamOfSpace("prod-shared", "team", "prod-shared:team-Alpha")).toBeUndefined();
    expect(teamOfSpace("prod-shared", "team", "prod-shared:crew-alpha")).toBeUndefined();
    expect(teamOfSpace("prod-shared", "team", "other:team-alpha")).toBeUndefined();
  });

  it("serves records without a team everywhere, and a team where listed or *", () => {
    for (const list of [[], ["alpha"], ["*"]]) {
      expect(servesTeam(list, null)).toBe(true);
      expect(servesTeam(list, undefined)).toBe(true);
    }
    expect(servesTeam(["alpha"], "alpha")).toBe(true);
    expect(servesTeam(["alpha"], "bravo")).toBe(false);
    expect(servesTeam([], "alpha")).toBe(false);
    expect(servesTeam(["*"], "bravo")).toBe(true);
  });

  it("drops an event of a space not served (reason namespace), whatever its action", () => {
    const alphaOnly = { ...here, spaces: { prefix: "team", teams: ["alpha"] } };
    const bravo = "prod-shared:team-bravo";
    for (const action of SYNC_ACTIONS)
      expect(classifyInbound(memoryEvent({ action, namespace: bravo }), alphaOnly), action).toEqual(
        {
          verdict: "drop",
          reason: "namespace",
        },
      );
    for (const namespace of [
      "prod-shared:crew-alpha",
      "prod-shared:team-",
      "prod-shared2",
      "other:team-alpha",
    ])
      expect(classifyInbound(memoryEvent({ namespace }), alphaOnly), namespace).toEqual({
        verdict: "drop",
        reason: "namespace",
      });
  });

  it("accepts the spaces served: listed teams, every team with *, and records without a team", () => {
    const alpha = memoryEvent({ namespace: "prod-shared:team-alpha" });
    const bravo = memoryEvent({ namespace: "prod-shared:team-bravo" });
    const noTeam = memoryEvent();
    const serving = (teams: string[]) => ({ ...here, spaces: { prefix: "team", teams } });
    expect(classifyInbound(alpha, serving(["alpha"]))).toEqual({ verdict: "apply" });
    expect(classifyInbound(bravo, serving(["*"]))).toEqual({ verdict: "apply" });
    expect(classifyInbound(noTeam, serving([]))).toEqual({ verdict: "apply" });
    expect(classifyInbound(alpha, serving([]))).toEqual({ verdict: "drop", reason: "namespace" });
    // The band still applies inside a served space.
    expect(classifyInbound({ ...alpha, privacy: -12 }, serving(["alpha"]))).toEqual({
      verdict: "redact",
      reason: "privacy",
    });
  });

  it("serves only the namespace itself when no spaces are declared (fails closed)", () => {
    expect(isOwnNamespace("prod-shared", { namespace: "prod-shared:team-bravo" })).toBe(false);
    expect(isOwnNamespace("prod-shared", { namespace: "prod-shared" })).toBe(true);
    expect(isOwnNamespace("prod-shared", { namespace: "prod-shared2:team-bravo" })).toBe(false);
    expect(classifyInbound(memoryEvent({ namespace: "prod-shared:team-bravo" }), here)).toEqual({
      verdict: "drop",
      reason: "namespace",
    });
  });
});
