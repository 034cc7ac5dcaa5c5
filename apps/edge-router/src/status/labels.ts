/**
 * Where each region's label goes on the map, so that no two labels overlap, no label
 * covers a marker and every label stays inside the map. Pure, so it is tested on boxes.
 * Each label tries spots beside its marker, nearest first (level with it, then a step up
 * or down, then further out); one set off from its marker gets a leader line to it.
 */

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface LabelRequest {
  /** The marker's centre. */
  x: number;
  y: number;
  /** Space the marker takes around its centre (halo included). */
  radius: number;
  width: number;
  height: number;
}

export interface Placement {
  box: Box;
  /** The side of the marker the label is on: text anchored at the box's start or end. */
  anchor: "start" | "end";
  /** The label sits away from its marker: draw a line between them. */
  leader: boolean;
}

const STEP = 22;
/** Vertical offsets tried, nearest first: up to six steps up or down. */
const DYS = [0, -1, 1, -2, 2, -3, 3, -4, 4, -5, 5, -6, 6].map((n) => n * STEP);
/** Extra horizontal distance tried when every spot at the marker's side is taken. */
const DXS = [0, 60, 120];
const MARGIN = 2;

export function placeLabels(
  requests: readonly LabelRequest[],
  bounds: { width: number; height: number },
): Placement[] {
  const taken: Box[] = requests.map((r) => ({
    x0: r.x - r.radius,
    y0: r.y - r.radius,
    x1: r.x + r.radius,
    y1: r.y + r.radius,
  }));
  return requests.map((request) => {
    const candidates = candidatesFor(request, bounds);
    const free = candidates.find((c) => !taken.some((box) => overlaps(box, c.box)));
    // Nowhere free (a crowd larger than the map allows): the nearest spot inside the map.
    const choice = free ?? (candidates[0] as Placement);
    taken.push(choice.box);
    return choice;
  });
}

/** Spots beside the marker inside the map, nearest first; the roomier side first. */
function candidatesFor(r: LabelRequest, bounds: { width: number; height: number }): Placement[] {
  const gap = r.radius + 2;
  const rightFirst = r.x + gap + r.width <= bounds.width - MARGIN;
  const sides: Array<"start" | "end"> = rightFirst ? ["start", "end"] : ["end", "start"];
  const out: Placement[] = [];
  for (const dx of DXS)
    for (const dy of DYS)
      for (const anchor of sides) {
        const top = r.y - r.height / 2 + dy;
        const x0 = anchor === "start" ? r.x + gap + dx : r.x - gap - dx - r.width;
        const box = { x0, y0: top, x1: x0 + r.width, y1: top + r.height };
        const inside =
          box.x0 >= MARGIN &&
          box.y0 >= MARGIN &&
          box.x1 <= bounds.width - MARGIN &&
          box.y1 <= bounds.height - MARGIN;
        if (inside) out.push({ box, anchor, leader: dx > 0 || Math.abs(dy) > r.height / 2 });
      }
  if (out.length === 0) out.push(clampedFallback(r, bounds, sides[0] as "start" | "end"));
  return out;
}

/** A label larger than the room beside its marker: pushed inside the map as far as it goes. */
function clampedFallback(
  r: LabelRequest,
  bounds: { width: number; height: number },
  anchor: "start" | "end",
): Placement {
  const x0 = Math.max(MARGIN, Math.min(bounds.width - MARGIN - r.width, r.x + r.radius + 2));
  const y0 = Math.max(MARGIN, Math.min(bounds.height - MARGIN - r.height, r.y - r.height / 2));
  return { box: { x0, y0, x1: x0 + r.width, y1: y0 + r.height }, anchor, leader: true };
}

export function overlaps(a: Box, b: Box): boolean {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

/** Where a leader line from the marker meets the label's box: the nearest point of its edge. */
export function leaderEnd(x: number, y: number, box: Box): { x: number; y: number } {
  return {
    x: Math.max(box.x0, Math.min(box.x1, x)),
    y: Math.max(box.y0, Math.min(box.y1, y)),
  };
}
