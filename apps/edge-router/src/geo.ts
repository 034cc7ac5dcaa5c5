/** What the router knows of a client's whereabouts (`request.cf`). */
export interface ClientPlace {
  latitude?: number;
  longitude?: number;
  continent?: string;
}

/** Anything with a place on the map: a configured region, or the router's view of one. */
export interface Placed {
  id: string;
  lat: number;
  lon: number;
  continent?: string | undefined;
}

const EARTH_RADIUS_KM = 6371;

/** Great-circle distance in km (haversine). */
export function distanceKm(
  a: { lat: number; lon: number },
  b: { lat: number; lon: number },
): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * Regions nearest first: by great-circle distance when the client's coordinates are
 * known; else those on the client's continent first; else the configured order. Ties keep
 * the configured order, so the ranking is deterministic.
 */
export function rankRegions<R extends Placed>(regions: readonly R[], place: ClientPlace): R[] {
  const indexed = regions.map((region, index) => ({ region, index }));
  const { latitude, longitude, continent } = place;
  if (
    typeof latitude === "number" &&
    typeof longitude === "number" &&
    Number.isFinite(latitude) &&
    Number.isFinite(longitude)
  ) {
    const here = { lat: latitude, lon: longitude };
    return indexed
      .map((entry) => ({ ...entry, km: distanceKm(here, entry.region) }))
      .sort((a, b) => a.km - b.km || a.index - b.index)
      .map((entry) => entry.region);
  }
  if (continent) {
    return indexed
      .sort(
        (a, b) =>
          Number(b.region.continent === continent) - Number(a.region.continent === continent) ||
          a.index - b.index,
      )
      .map((e) => e.region);
  }
  return [...regions];
}

/** `request.cf` as far as the router needs it, tolerating strings (Cloudflare sends coordinates as text). */
export function placeOf(cf: unknown): ClientPlace {
  if (!cf || typeof cf !== "object") return {};
  const raw = cf as Record<string, unknown>;
  const num = (value: unknown) =>
    typeof value === "number"
      ? value
      : typeof value === "string" && value.trim() !== ""
        ? Number(value)
        : undefined;
  const place: ClientPlace = {};
  const latitude = num(raw.latitude);
  const longitude = num(raw.longitude);
  if (latitude !== undefined && Number.isFinite(latitude)) place.latitude = latitude;
  if (longitude !== undefined && Number.isFinite(longitude)) place.longitude = longitude;
  if (typeof raw.continent === "string") place.continent = raw.continent;
  return place;
}
