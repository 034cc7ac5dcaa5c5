/**
 * Postgres text values → JSON values, for `/sql` requests that do not ask for
 * raw text output. Follows Neon's proxy: booleans, int2/int4 and float4/float8
 * become JSON booleans and numbers, json/jsonb are parsed, arrays of those
 * become JSON arrays, everything else (int8, numeric, dates, …) stays a string.
 * `@neondatabase/serverless` always asks for raw text, so only other clients
 * (curl, scripts) see this.
 */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

const OID = {
  bool: 16,
  int2: 21,
  int4: 23,
  float4: 700,
  float8: 701,
  json: 114,
  jsonb: 3802,
} as const;

/** Array type OID → element type OID, for the element types converted above plus common text ones. */
const ARRAY_ELEMENT: ReadonlyMap<number, number> = new Map([
  [1000, OID.bool],
  [1005, OID.int2],
  [1007, OID.int4],
  [1021, OID.float4],
  [1022, OID.float8],
  [199, OID.json],
  [3807, OID.jsonb],
  [1016, 20], // int8[]
  [1231, 1700], // numeric[]
  [1009, 25], // text[]
  [1015, 1043], // varchar[]
  [1014, 1042], // bpchar[]
  [2951, 2950], // uuid[]
  [1115, 1114], // timestamp[]
  [1185, 1184], // timestamptz[]
  [1182, 1082], // date[]
]);

export function pgTextToJson(text: string | null, typeId: number): JsonValue {
  if (text === null) return null;
  const element = ARRAY_ELEMENT.get(typeId);
  if (element !== undefined)
    return parsePgArray(text).map(function convert(item): JsonValue {
      return Array.isArray(item) ? item.map(convert) : pgTextToJson(item, element);
    });
  switch (typeId) {
    case OID.bool:
      return text === "t";
    case OID.int2:
    case OID.int4:
      return Number.parseInt(text, 10);
    case OID.float4:
    case OID.float8: {
      const value = Number(text);
      return Number.isFinite(value) ? value : text;
    }
    case OID.json:
    case OID.jsonb:
      return JSON.parse(text) as JsonValue;
    default:
      return text;
  }
}

type PgArray = Array<string | null | PgArray>;

/**
 * Parses a Postgres array literal (`{1,2,NULL}`, `{{a,b},{"c d",e}}`), with
 * optional dimension decoration (`[0:1]={…}`). Elements stay text.
 */
export function parsePgArray(text: string): PgArray {
  let i = text.startsWith("[") ? text.indexOf("=") + 1 : 0;
  const parseLevel = (): PgArray => {
    if (text[i] !== "{") throw new Error(`not a Postgres array: ${text}`);
    i++;
    const items: PgArray = [];
    if (text[i] === "}") {
      i++;
      return items;
    }
    for (let guard = 0; guard <= text.length; guard++) {
      if (text[i] === "{") {
        items.push(parseLevel());
      } else if (text[i] === '"') {
        i++;
        let value = "";
        while (i < text.length && text[i] !== '"') {
          if (text[i] === "\\") i++;
          value += text[i] ?? "";
          i++;
        }
        i++;
        items.push(value);
      } else {
        let end = i;
        while (end < text.length && text[end] !== "," && text[end] !== "}") end++;
        const raw = text.slice(i, end).trim();
        items.push(raw === "NULL" ? null : raw);
        i = end;
      }
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "}") {
        i++;
        return items;
      }
      throw new Error(`malformed Postgres array: ${text}`);
    }
    throw new Error(`malformed Postgres array: ${text}`);
  };
  return parseLevel();
}
