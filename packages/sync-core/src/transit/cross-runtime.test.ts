import { describe, expect, it } from "vitest";
import type { SyncEvent } from "../event.js";
import { createTransitKeyring } from "./keyring.js";
import { generateTransitKey } from "./keys.js";
import { openEvent } from "./seal.js";

/**
 * Seals made once in each runtime, opened here in both (this file runs under Node and, via
 * vitest.workers.config.ts, in workerd): a gateway in workerd and a tool in Node read each
 * other's seals. Made by `generateTransitKey("k1")` for two regions and `sealEvent` of
 * `memoryEvent({ payload: { …, text: "sealed in <runtime>" } })` for both; the keys are
 * test keys, used nowhere else.
 */
interface Fixture {
  keys: Record<string, string>;
  event: SyncEvent;
}

const SEALED_IN: Record<"node" | "workerd", Fixture> = {
  node: {
    keys: {
      "region-a":
        "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg4UOpth51FobDDeZnntHsUPUSrfIK7JBlE30RneDvOAKhRANCAATlRNYygoUGME8dM5D6AOF6C-GYQDcA1rCAeHbElQtFvr8djzBewCKoJ6IxIcO_dTqxMp5SslTL4edfOyivP0m-",
      "region-b":
        "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgALtw8oP--DRf25HEJX_0Z-1BbOwVNH-DiURlwF--x2ihRANCAAQZz5JcXIP8BNW2_Tiar3lZx_slkgbtEH3VdUD0JfSavPY-p5cIgFgtierY7zM3Sy52WNX3acg8c8ErtCAGVkB0",
    },
    event: {
      v: 1,
      id: "01a1fdfa-4600-7c30-8704-ab6fffac2817",
      action: "memory.created",
      entity_type: "memory",
      entity_id: "mem-1",
      namespace: "prod-shared",
      origin: "region-a",
      hlc: "001795262400000:00000:region-a",
      privacy: 5,
      created_at: "2026-11-21T12:00:00.000Z",
      sealed: {
        alg: "ECDH-ES+A256KW/A256GCM",
        epk: "BOyD-3h3ald70LC10skGvQtdAKGepX0PNQZgosBGnY4EudjbbN_Za-OPKLJ_inKvmSCldlEbZBXGEok9imzkvBQ",
        iv: "FJM3BCFybla-NVa9",
        ct: "zE-a7gQYz5LQ_AJzREeou6rw-wNQKF6Duq0SWmAUc9fGZxAUZg8Yxnl8jbLUJitxDqDPdQtJn3wZPtYyFp9PHa3n_szUdqYL",
        to: {
          "region-a": "k1.rsP70FkVODPJHFq0UC2MEHNIbeKpisI2w0iXYFIjhnvoCwAC1PyoUQ",
          "region-b": "k1.RROr7BHB_VZ-HKKYYa3q8HAwRKzvbVHdg8ki5ARbzZIqmaAksMA2Pw",
        },
      },
    },
  },
  workerd: {
    keys: {
      "region-a":
        "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgY7aBycfJBVG54uqht8c_2-8Esf1WsSHyBzc1zwWEexOhRANCAATec3EDa-Mco8A82mU_Sr4AS9bJaL4m-nt0rrGQN2_XGxLyeXKuvJAm2QGmstMgjJHHisGSbJCe-OEU4fCgYhFQ",
      "region-b":
        "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgnXIZ9m1uwBSULG3QNX8byxRpgjULyBUSmTC6RVarRtGhRANCAARrZosj-S7RQsukMniiVWT0LHPPd7OeCt-DPYfm9BAMSpzjnVfK9bwVEZv2138N1SLw3zmn91fysqq3IFOcxlr-",
    },
    event: {
      v: 1,
      id: "01a1fdfa-4600-7102-a9d5-a7bad6ca5c30",
      action: "memory.created",
      entity_type: "memory",
      entity_id: "mem-1",
      namespace: "prod-shared",
      origin: "region-a",
      hlc: "001795262400000:00000:region-a",
      privacy: 5,
      created_at: "2026-11-21T12:00:00.000Z",
      sealed: {
        alg: "ECDH-ES+A256KW/A256GCM",
        epk: "BHL8LBlVvLY0KjOnzjRMui9QfknolRGZSW5XBpHPsxOtFNd_I3gToYrZTfMIPLDoirV4inGcz6CBqUW-Zhr3Bc8",
        iv: "NbhaYHYLESzt7Nra",
        ct: "c8KqIT2q0MkeZDYFGmwEfeil6yecElLWtcPCCdqV1ekppeysc-b57sojeT_5EOTDJw93F0kdU7JICFLzoHkoTFTzoUpUXQhYsBAP",
        to: {
          "region-a": "k1.CGr1kYVIhL24DYk0WDV4uahJa88k7qM1lhgVGrgUk3JaOYbf7NXZyw",
          "region-b": "k1.xGPDwvX0tFc1O2IQc82HTymvqplsrqDJnXwPq99yafmvfCTkmH000Q",
        },
      },
    },
  },
};

describe("seals made in the other runtime", () => {
  for (const [runtime, fixture] of Object.entries(SEALED_IN)) {
    it(`open here when made in ${runtime}`, async () => {
      const { sealed: _seal, ...clear } = fixture.event;
      for (const [region, privateKey] of Object.entries(fixture.keys)) {
        const keyring = await createTransitKeyring({
          region,
          current: "k1",
          keys: { k1: privateKey },
        });
        expect(await openEvent(fixture.event, keyring), region).toEqual({
          ok: true,
          event: {
            ...clear,
            payload: { id: "mem-1", text: `sealed in ${runtime}`, x: 3, y: 5, z: 0 },
          },
        });
      }
      const stranger = await generateTransitKey("k1");
      const keyring = await createTransitKeyring({
        region: "region-a",
        current: "k1",
        keys: { k1: stranger.privateKey },
      });
      expect(await openEvent(fixture.event, keyring)).toEqual({
        ok: false,
        reason: "undecryptable",
      });
    });
  }
});
