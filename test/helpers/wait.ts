/** Polls `check` every `every` ms until it holds; fails with `what` after `ms`. */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms = 10000,
  every = 50,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}`);
    await sleep(every);
  }
}

/**
 * Waits `ms`. Only where time itself is the subject (a token's expiry passing); anything else
 * waits for its condition with {@link until}, or proves a negative with `Recorder.noneBefore`.
 */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
