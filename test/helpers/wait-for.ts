/**
 * Waiting for a condition in tests without timed assertions: poll until it
 * holds, fail with a description if it has not within the bound.
 */

/**
 * Resolves once `condition()` is truthy; rejects after `timeoutMs` naming
 * `what` (a function is asked at the time of failure, so it can say how far
 * things got).
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  what: string | (() => string) = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
