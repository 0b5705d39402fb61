/**
 * The comment for a run that produced no plan: the config did not validate, or the plan
 * failed as a whole (an API down, a bad key). It quotes what the command printed, tail first
 * trimmed, without the JSON log lines (they carry timestamps and would make every run differ).
 */
import { plural } from '../words.js';

export type FailedStage = 'validate' | 'plan';

export interface FailureOptions {
  stage: FailedStage;
  headCommit?: string;
  /** The run's page, for the whole log. */
  logUrl?: string;
  /** Values to blank out if they ever appear (secrets from the environment). */
  secrets?: string[];
}

const MAX_LINES = 60;
const MAX_CHARS = 12_000;
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes are what it removes
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

/** The lines worth showing: no colour codes, no JSON log lines, the last MAX_LINES, at most MAX_CHARS. */
function failureExcerpt(log: string, secrets: readonly string[] = []): { text: string; dropped: number } {
  let clean = log.replace(ANSI, '').replace(/\r\n?/g, '\n');
  for (const s of secrets) if (s.length >= 8) clean = clean.split(s).join('[redacted]');
  const lines = clean.split('\n').filter((l) => l.trim() && !/^\s*\{".*\}\s*$/.test(l));
  let kept = lines.slice(-MAX_LINES);
  while (kept.join('\n').length > MAX_CHARS && kept.length > 1) kept = kept.slice(1);
  const text = kept.join('\n').slice(-MAX_CHARS);
  return { text, dropped: lines.length - kept.length };
}

/** A code fence longer than any run of backticks in the text, so nothing can close it early. */
function fence(text: string): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((m) => m.length));
  return '`'.repeat(longest + 1);
}

export function renderFailure(log: string, options: FailureOptions): string {
  const { text, dropped } = failureExcerpt(log, options.secrets);
  const head =
    options.stage === 'validate'
      ? '### cwsync: the config is invalid\n\n> [!CAUTION]\n> **`cwsync validate` found problems, so nothing was planned.** Fix them (each names its file and line) and push again.\n'
      : '### cwsync plan: failed, nothing was planned\n\n> [!CAUTION]\n> **The plan could not be made, so this pull request has no plan.** The cause is below; fix it (or re-run the job if a service was down) and push again.\n';
  const f = fence(text);
  const body = text ? `${f}text\n${text}\n${f}\n` : '_The command printed nothing; see the log of the run._\n';
  const more = dropped ? `_${plural(dropped, 'earlier line')} not shown._\n\n` : '';
  const commit =
    options.headCommit && /^[0-9a-f]{7,64}$/i.test(options.headCommit) ? `head ${options.headCommit}` : 'this run';
  const log_ = options.logUrl ? ` · [the full log](${options.logUrl})` : ' · the full log is in this run';
  return `${head}\n${body}\n${more}<sub>For ${commit}${log_}</sub>\n`;
}
