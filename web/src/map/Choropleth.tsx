/**
 * An SVG choropleth of wards drawn with d3-geo: a fill per ward, optional LGA outlines, a legend
 * in words, and the ward under the pointer (or keyboard focus: arrow keys move between wards).
 */
import { geoMercator, geoPath } from 'd3-geo';
import { useMemo, useState, type KeyboardEvent, type ReactNode } from 'react';
import { rewindAll, type Lgas, type LegendItem, type WardFeature, type Wards } from './geo';

const WIDTH = 800;
const MAX_HEIGHT = 900;

export interface ChoroplethProps {
  /** The region's accessible name, e.g. "Vulnerability map". */
  label: string;
  wards: Wards;
  lgas?: Lgas;
  fill: (ward: WardFeature) => string;
  /** One sentence about a ward, shown on hover/focus and read by screen readers. */
  describe: (ward: WardFeature) => string;
  legend: LegendItem[];
  legendTitle: string;
  /** Keyboard order of the wards (e.g. by rank); drawing order otherwise. */
  order?: (a: WardFeature, b: WardFeature) => number;
  children?: ReactNode;
}

export function Choropleth({ label, wards, lgas, fill, describe, legend, legendTitle, order, children }: ChoroplethProps) {
  const drawn = useMemo(() => draw(wards, lgas), [wards, lgas]);
  const keyboard = useMemo(() => {
    const indexes = drawn.paths.map((_, i) => i);
    return order ? indexes.sort((a, b) => order(drawn.paths[a].feature, drawn.paths[b].feature)) : indexes;
  }, [drawn, order]);
  const [active, setActive] = useState<number | null>(null);
  const [focusable, setFocusable] = useState(0);

  function onKey(event: KeyboardEvent<SVGPathElement>, index: number) {
    const position = keyboard.indexOf(index);
    const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key];
    if (!step) return;
    event.preventDefault();
    const next = keyboard[(position + step + keyboard.length) % keyboard.length];
    setFocusable(keyboard.indexOf(next));
    (event.currentTarget.parentNode?.children[next] as SVGPathElement | undefined)?.focus();
  }

  return (
    <section className="map" aria-label={label}>
      <svg viewBox={`0 0 ${WIDTH} ${drawn.height}`} role="group" aria-label={`${label}: wards`}>
        <g className="wards">
          {drawn.paths.map(({ d, feature }, i) => (
            <path
              key={i}
              d={d}
              fill={fill(feature)}
              role="img"
              aria-label={describe(feature)}
              tabIndex={keyboard[focusable] === i ? 0 : -1}
              className={active === i ? 'active' : undefined}
              onMouseEnter={() => setActive(i)}
              onMouseLeave={() => setActive((a) => (a === i ? null : a))}
              onFocus={() => {
                setActive(i);
                setFocusable(keyboard.indexOf(i));
              }}
              onBlur={() => setActive((a) => (a === i ? null : a))}
              onKeyDown={(e) => onKey(e, i)}
            />
          ))}
        </g>
        {drawn.outlines.length > 0 && (
          <g className="lgas" aria-hidden="true">
            {drawn.outlines.map((d, i) => (
              <path key={i} d={d} />
            ))}
          </g>
        )}
      </svg>
      <p className="map-info" aria-hidden="true">
        {active === null ? 'Point at a ward (or tab to the map and use the arrow keys) to see its name.' : describe(drawn.paths[active].feature)}
      </p>
      <div className="legend">
        <p className="legend-title">{legendTitle}</p>
        <ul>
          {legend.map((item) => (
            <li key={item.label}>
              <span className="swatch" style={{ background: item.color }} aria-hidden="true" /> {item.label}
            </li>
          ))}
          {drawn.outlines.length > 0 && (
            <li>
              <span className="swatch outline" aria-hidden="true" /> Thick lines: LGA borders
            </li>
          )}
        </ul>
      </div>
      {children}
    </section>
  );
}

function draw(wards: Wards, lgas?: Lgas) {
  const wound = rewindAll(wards);
  const projection = geoMercator().fitWidth(WIDTH, wound);
  const path = geoPath(projection);
  const [[, top], [, bottom]] = path.bounds(wound);
  const height = Math.min(MAX_HEIGHT, Math.max(100, Math.ceil(bottom - top) + 2));
  projection.fitSize([WIDTH, height], wound);
  return {
    height,
    paths: wound.features.map((feature) => ({ d: path(feature) ?? '', feature })),
    outlines: lgas ? rewindAll(lgas).features.map((feature) => path(feature) ?? '') : [],
  };
}
