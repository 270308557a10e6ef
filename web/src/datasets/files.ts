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

/** The form's slot of a file role; undefined for a role the web app does not take (population). */
export const slotOf = (role: string) => SLOTS.find((s) => s.role === role);

/** What makes `file` unusable as the `role` file, in a sentence; undefined when it can go. */
function checkFile(role: UploadRole, file: File): string | undefined {
  const slot = slotOf(role)!;
  if (!slot.extensions.includes(extension(file.name))) {
    return `${file.name} cannot be used as ${slot.label.toLowerCase()}: choose ${slot.hint.replace(/^optional: /, '')}.`;
  }
  if (file.size === 0) return `${file.name} is empty: choose the file again, or export it again.`;
  return undefined;
}

/** Sentences saying what to change before uploading; empty when the upload can go. */
export function checkUpload(name: string, files: ChosenFile[]): string[] {
  const problems: string[] = [];
  if (!name.trim()) problems.push('Give the dataset a name, for example the state and the month.');
  for (const { role, file } of files) {
    const problem = checkFile(role, file);
    if (problem) problems.push(problem);
  }
  const roles = new Set(files.map((f) => f.role));
  if (!roles.has('boundaries')) problems.push('Choose the boundaries file: the wards cannot be mapped or matched without it.');
  if (!roles.has('data') && !roles.has('tpr')) problems.push('Choose the ward data file (or a facility export).');
  return problems;
}

/** A file of a dataset that has not arrived: its role and the name it was declared with. */
export interface MissingFile {
  role: UploadRole;
  filename: string;
}

/**
 * Sentences saying what to change before sending a dataset's missing files again; empty when they
 * can go. Each goes to the key the dataset was created with, so it must be the same kind of file.
 */
export function checkMissing(missing: MissingFile[], chosen: Partial<Record<UploadRole, File>>): string[] {
  return missing.flatMap(({ role, filename }) => {
    const file = chosen[role];
    if (!file) return [`Choose ${filename} again as the ${slotOf(role)!.label.toLowerCase()} file.`];
    const problem =
      checkFile(role, file) ??
      (extension(file.name) !== extension(filename)
        ? `${file.name} is not the kind of file this dataset was created with (${filename}): choose ${filename} again, or upload a new dataset for a different kind of file.`
        : undefined);
    return problem ? [problem] : [];
  });
}
