/** The files a dataset is made of, and the checks a person can fix before anything is sent. */
import type { UploadRole } from '../api/client';

export interface FileSlot {
  role: UploadRole;
  label: string;
  extensions: string[];
  hint: string;
}

/** The form's file inputs (their labels are the accessible names the browser tests use). */
export const SLOTS: FileSlot[] = [
  { role: 'data', label: 'Ward data', extensions: ['.csv', '.xlsx'], hint: 'a CSV or Excel file, one row per ward' },
  {
    role: 'boundaries',
    label: 'Boundaries',
    extensions: ['.zip', '.geojson', '.json'],
    hint: 'the ward shapes: a zipped shapefile (.zip) or GeoJSON (.geojson, .json)',
  },
  {
    role: 'tpr',
    label: 'Facility export',
    extensions: ['.csv', '.xlsx'],
    hint: 'optional: a DHIS2 facility export (CSV or Excel) for the test positivity rate; it can stand in for the ward data',
  },
];

export interface ChosenFile {
  role: UploadRole;
  file: File;
}

const extension = (name: string) => {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot).toLowerCase();
};

/** Sentences saying what to change before uploading; empty when the upload can go. */
export function checkUpload(name: string, files: ChosenFile[]): string[] {
  const problems: string[] = [];
  if (!name.trim()) problems.push('Give the dataset a name, for example the state and the month.');
  for (const { role, file } of files) {
    const slot = SLOTS.find((s) => s.role === role)!;
    const ext = extension(file.name);
    if (!slot.extensions.includes(ext)) {
      problems.push(
        `${file.name} cannot be used as ${slot.label.toLowerCase()}: choose ${slot.hint.replace(/^optional: /, '')}.`,
      );
    } else if (file.size === 0) {
      problems.push(`${file.name} is empty: choose the file again, or export it again.`);
    }
  }
  const roles = new Set(files.map((f) => f.role));
  if (!roles.has('boundaries')) problems.push('Choose the boundaries file: the wards cannot be mapped or matched without it.');
  if (!roles.has('data') && !roles.has('tpr')) problems.push('Choose the ward data file (or a facility export).');
  return problems;
}
