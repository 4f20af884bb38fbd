/**
 * Waiting for a condition in tests without timed assertions: poll until it
 * holds, fail with a description if it has not within the bound.
 */

/** Resolves once `condition()` is truthy; rejects after `timeoutMs` naming `what`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
