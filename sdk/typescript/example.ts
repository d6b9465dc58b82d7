// A typed client of this API in TypeScript: openapi-typescript's types of the document and
// openapi-fetch, told the media type (docs/sdk.md). Checked with `tsc --strict` by .ci/openapi
// and run against a live server by tests/test_typescript.py.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

type Observation = components["schemas"]["ObservationRead"];

export function client(baseUrl: string) {
  // "application/json": every collection also answers CSV, NDJSON and xlsx; without it the
  // body's type is a union with `string` and `data.items` does not type-check.
  return createClient<paths, "application/json">({ baseUrl });
}

/** Poland's share of GDP in one year, one item per edition and source. */
export async function polandShareOfGdp(baseUrl: string, year: number): Promise<Observation[]> {
  const { data, error, response } = await client(baseUrl).GET("/v1/observations", {
    params: { query: { ally: ["POL"], indicator: ["share_gdp"], year } },
  });
  if (data === undefined) {
    throw new Error(`${response.status}: ${JSON.stringify(error)}`);
  }
  return data.items;
}

/** Who met 2% of GDP in a year, by one edition's figures. */
export async function meeting(baseUrl: string, year: number, edition: string): Promise<string[]> {
  const { data } = await client(baseUrl).GET("/v1/compliance", {
    params: { query: { year, edition } },
  });
  return data?.summary.meeting_allies ?? [];
}
