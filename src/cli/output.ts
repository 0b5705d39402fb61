/** Where human output goes besides stdout: files and the GitHub job summary. */
import { appendFileSync, writeFileSync } from 'node:fs';

export function useColor(): boolean {
  return Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
}

export function writeFile(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o644 });
}

/** Appends to $GITHUB_STEP_SUMMARY when it is set (GitHub Actions); renders only then. */
export function appendJobSummary(render: () => string): void {
  const path = process.env.GITHUB_STEP_SUMMARY;
  if (path) appendFileSync(path, `${render()}\n`);
}
