/** One line of `cwsync doctor`, whichever adapter checked it. */
export interface Check {
  name: string;
  ok: boolean;
  /** Passed, but not proven: shown as a warning (never green), does not fail doctor. */
  warn?: boolean;
  detail?: string;
  fix?: string;
}

/** A failed check from an error, with the error's own hint as the fix. */
export function failedCheck(name: string, err: unknown): Check {
  return {
    name,
    ok: false,
    detail: err instanceof Error ? err.message : String(err),
    fix: (err as { hint?: string }).hint,
  };
}
