// A dashboard's layout: panels on a grid 12 columns wide, each {visualization, x, y, w, h} in
// grid cells. Moving or resizing a panel pushes the panels it would cover down, so that panels
// never overlap. Pure (docs/dashboard.md, "Dashboards").

export const COLUMNS = 12;
export const MAX_HEIGHT = 100;
const DEFAULT_W = 6;
const DEFAULT_H = 4;

const overlaps = (a, b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
const clamp = (v, lo, hi) => Math.min(Math.max(v, lo), hi);

// Pushes every panel that overlaps panel `fixed` (an index) down below it, then the ones those
// cover, until none overlap. Returns new panels, in the same order.
export function settle(panels, fixed) {
  const out = panels.map((p) => ({ ...p }));
  const queue = [fixed];
  let guard = out.length * out.length + 1;
  while (queue.length && guard-- > 0) {
    const i = queue.shift();
    for (let j = 0; j < out.length; j += 1) {
      if (j !== i && overlaps(out[i], out[j])) {
        out[j].y = out[i].y + out[i].h;
        queue.push(j);
      }
    }
  }
  return out;
}

// Where a new panel goes: the first place of its size, row by row from the top, that no panel
// covers.
export function addPanel(panels, visualization, w = DEFAULT_W, h = DEFAULT_H) {
  for (let y = 0; ; y += 1) {
    for (let x = 0; x + w <= COLUMNS; x += 1) {
      const p = { visualization, x, y, w, h };
      if (!panels.some((q) => overlaps(p, q))) return [...panels, p];
    }
  }
}

// Moves panel i by (dx, dy) cells, kept on the grid.
export function movePanel(panels, i, dx, dy) {
  const p = panels[i];
  const moved = { ...p, x: clamp(p.x + dx, 0, COLUMNS - p.w), y: Math.max(0, p.y + dy) };
  return settle(panels.map((q, j) => (j === i ? moved : q)), i);
}

// Resizes panel i by (dw, dh) cells, at least 1 × 1, within the grid's width.
export function resizePanel(panels, i, dw, dh) {
  const p = panels[i];
  const resized = { ...p, w: clamp(p.w + dw, 1, COLUMNS - p.x), h: clamp(p.h + dh, 1, MAX_HEIGHT) };
  return settle(panels.map((q, j) => (j === i ? resized : q)), i);
}

export function removePanel(panels, i) {
  return panels.filter((_, j) => j !== i);
}

// Panels in reading order (top to bottom, then left to right): the order of the page and of
// keyboard focus.
export function readingOrder(panels) {
  return panels.map((p, i) => ({ p, i })).sort((a, b) => a.p.y - b.p.y || a.p.x - b.p.x).map((e) => e.i);
}
