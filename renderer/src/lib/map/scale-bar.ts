import type { IControl, Map as MapLibreMap } from 'maplibre-gl';

/**
 * The map's metric scale bar, drawn like MapLibre's own (same classes) but written to the page
 * only when the camera has rested for a moment: in software WebGL (CI, computers without a GPU)
 * any change to the page over the map makes the browser recomposite the whole frame, which cost
 * about a quarter of every frame while panning and zooming when the bar followed each move.
 */
export interface ScaleBar {
  /** Width in CSS pixels, whole. */
  widthPx: number;
  label: string;
}

/** The longest round distance (1, 2, 3, 5 x 10^n metres) that fits in `maxWidthPx`, given the metres those pixels span. */
export function scaleBarFor(metresAcrossMaxWidth: number, maxWidthPx: number): ScaleBar {
  const pow10 = 10 ** Math.floor(Math.log10(metresAcrossMaxWidth));
  const leading = metresAcrossMaxWidth / pow10;
  const round = (leading >= 5 ? 5 : leading >= 3 ? 3 : leading >= 2 ? 2 : 1) * pow10;
  const metres = Number(round.toPrecision(1));
  const label = metres >= 1000 ? `${metres / 1000}\u00a0km` : `${metres}\u00a0m`;
  return { widthPx: Math.round((maxWidthPx * metres) / metresAcrossMaxWidth), label };
}

/** How long the camera must rest before the bar is rewritten. */
export const SCALE_BAR_REST_MS = 200;

export class RestingScaleBar implements IControl {
  private map: MapLibreMap | null = null;
  private element: HTMLDivElement | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private shown: ScaleBar | null = null;

  constructor(private readonly maxWidthPx = 120) {}

  onAdd(map: MapLibreMap): HTMLElement {
    this.map = map;
    this.element = document.createElement('div');
    this.element.className = 'maplibregl-ctrl maplibregl-ctrl-scale';
    this.element.dataset.testid = 'scale-bar';
    map.on('move', this.onMove);
    this.update();
    return this.element;
  }

  onRemove(): void {
    this.map?.off('move', this.onMove);
    if (this.timer) clearTimeout(this.timer);
    this.element?.remove();
    this.map = null;
  }

  private readonly onMove = (): void => {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(this.update, SCALE_BAR_REST_MS);
  };

  private readonly update = (): void => {
    this.timer = null;
    const map = this.map;
    if (!map || !this.element) return;
    const { clientWidth: width, clientHeight: height } = map.getContainer();
    const y = height / 2;
    const across = Math.min(this.maxWidthPx, width);
    const metres = map.unproject([width / 2 - across / 2, y]).distanceTo(map.unproject([width / 2 + across / 2, y]));
    if (!(metres > 0)) return;
    const bar = scaleBarFor(metres, across);
    if (bar.widthPx === this.shown?.widthPx && bar.label === this.shown.label) return;
    this.shown = bar;
    this.element.style.width = `${bar.widthPx}px`;
    this.element.textContent = bar.label;
  };
}
