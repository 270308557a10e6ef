/** The map components, fetched with d3-geo only when a map is shown (the map chunk). */
import { lazy } from 'react';
import { retrying } from '../retrying';

export const loadMaps = () => retrying(() => import('./maps'));

export const VulnerabilityMap = lazy(() => loadMaps().then((m) => ({ default: m.VulnerabilityMap })));
export const VariableMap = lazy(() => loadMaps().then((m) => ({ default: m.VariableMap })));
export const CoverageMap = lazy(() => loadMaps().then((m) => ({ default: m.CoverageMap })));
