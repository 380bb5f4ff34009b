import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project's folder, the one holding package.json, where views, public files and
 * other assets are. It is searched upwards because the same code runs from `src/`
 * (through tsx) and, in the test suite, compiled into `.build/src/`.
 */
function findProjectFolder(): string {
  let folder = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(folder, 'package.json'))) {
    const parent = path.dirname(folder);
    if (parent === folder) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    folder = parent;
  }
  return folder;
}

export const projectFolder = findProjectFolder();

/** A path inside the project's folder, e.g. inProject('views'). */
export function inProject(...segments: string[]): string {
  return path.join(projectFolder, ...segments);
}
