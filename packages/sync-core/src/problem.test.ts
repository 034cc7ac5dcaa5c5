import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  fieldErrors,
  PROBLEM_CONTENT_TYPE,
  ProblemError,
  problem,
  problemDetailsSchema,
  problemResponse,
} from "./problem.js";

describe("problem+json", () => {
  it("builds RFC 9457 details with the standard title", () => {
    expect(problem(404, { detail: "memory mem-1 not found" })).toEqual({
      type: "about:blank",
      title: "Not Found",
      status: 404,
      detail: "memory mem-1 not found",
      errors: [{ field: "(path)", message: "memory mem-1 not found" }],
      message: "memory mem-1 not found",
    });
  });

  it("names a part of the request in every 4xx, and keeps the fields a caller named", () => {
    expect(problem(401).errors).toEqual([{ field: "X-API-Key", message: "Unauthorized" }]);
    expect(problem(413, { detail: "too big" }).errors).toEqual([
      { field: "(body)", message: "too big" },
    ]);
    expect(problem(415).errors?.[0]?.field).toBe("Content-Type");
    expect(problem(418).errors?.[0]?.field).toBe("(request)");
    expect(problem(400, { errors: [{ field: "y", message: "bad" }] }).errors).toEqual([
      { field: "y", message: "bad" },
    ]);
    expect(problem(503).errors).toBeUndefined();
  });

  it("repeats the detail, or else the title, as upstream Memoria's `message`", () => {
    expect(problem(409, { detail: "already deleted" }).message).toBe("already deleted");
    expect(problem(401).message).toBe("Unauthorized");
  });

  it("answers with the problem content type and status", async () => {
    const response = problemResponse(
      problem(400, { errors: [{ field: "y", message: "must be between -15 and 15" }] }),
      { "retry-after": "1" },
    );
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toBe(PROBLEM_CONTENT_TYPE);
    expect(response.headers.get("retry-after")).toBe("1");
    expect(problemDetailsSchema.parse(await response.json())).toMatchObject({
      title: "Bad Request",
      errors: [{ field: "y" }],
    });
  });

  it("names nested and indexed fields from zod issues", () => {
    const schema = z.object({ payload: z.object({ tags: z.array(z.string()) }), y: z.number() });
    const result = schema.safeParse({ payload: { tags: ["ok", 3] }, y: "x" });
    expect(result.success).toBe(false);
    if (!result.success)
      expect(fieldErrors(result.error).map((e) => e.field)).toEqual(["payload.tags[1]", "y"]);
  });

  it("carries its details and headers when thrown", () => {
    const error = new ProblemError(503, { detail: "region-a is down" }, { "retry-after": "2" });
    expect(error.status).toBe(503);
    expect(error.message).toBe("region-a is down");
    expect(error.headers).toEqual({ "retry-after": "2" });
  });
});
