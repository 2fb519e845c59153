import { describe, expect, it } from "vitest";
import { makeDeps } from "../../../test/support/fakes.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { ListServices } from "./list-services.js";

describe("ListServices", () => {
  it("lists the ten seeded services by code, each with a name and a description", async () => {
    const services = await new ListServices(makeDeps({ uow: createMemoryUnitOfWork() })).execute();
    expect(services).toHaveLength(10);
    expect(services.map((s) => s.code)).toEqual([...services.map((s) => s.code)].sort());
    expect(services.map((s) => s.code)).toEqual(expect.arrayContaining(["3dbinpacking", "cvmaker", "jobportal", "media_information"]));
    for (const s of services) {
      expect(s.name).not.toBe("");
      expect(s.description).not.toBe("");
    }
  });
});
