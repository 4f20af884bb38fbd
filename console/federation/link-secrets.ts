/**
 * The link secrets a node signs and checks federation requests with: read
 * from their sources at start (./config.ts `readSecret`; a bad one stops the
 * node) and, for secrets kept in files, read again whenever a file changes
 * (the node's credential reload: on change and on SIGHUP), so a link secret
 * is rotated without a restart:
 *
 *   1. parent: the old secret into the child's `previousSecrets` file, the
 *      new one into its `secret` file (both are accepted now);
 *   2. child: the new secret into its `parent.secret` file (it signs with
 *      it from its next request);
 *   3. parent: empty the `previousSecrets` file (the old secret is refused).
 *
 * An empty or missing `previousSecrets` file is no secret: that is how the
 * old one is dropped. A file that does not hold a usable secret (too short,
 * unreadable) leaves the secret in force as it was, and the reload is logged
 * naming the file, never the secret.
 */
import { ConfigError } from '../../core/config.js';
import type { CredentialFile } from '../../core/credential-reload.js';
import { MIN_SECRET_LENGTH } from '../../core/federation/link-auth.js';
import { readWatchedFile, type FileRead } from '../../core/watched-file.js';
import { readSecret, type FederationSection, type SecretSource } from './config.js';

/** One secret of a link, as its source gave it last. */
interface SecretSlot {
  /** undefined: an emptied or removed previous secret, which is no secret. */
  value: string | undefined;
}

/** A file's text as a secret; throws (naming no secret) when it is not one. */
function secretFromText(text: string, mayBeEmpty: boolean): string | undefined {
  const secret = text.replace(/\r?\n$/, '');
  if (secret === '' && mayBeEmpty) return undefined;
  if (secret.length < MIN_SECRET_LENGTH) throw new Error(`a link secret needs at least ${MIN_SECRET_LENGTH} characters`);
  return secret;
}

export class FederationSecrets {
  private readonly parentSlot: SecretSlot | undefined;
  /** Per child link: the current secret first, then the previous ones. */
  private readonly childSlots = new Map<string, SecretSlot[]>();
  private readonly parentListeners: ((secret: string) => void)[] = [];
  private readonly files: { credential: CredentialFile; read: FileRead }[] = [];

  /**
   * Read the secrets of `federation` this process uses: the child links'
   * always (a parent's processes check requests), the parent link's only
   * with `parent` (the process that runs the link agent). Throws naming the
   * source of one that cannot be used.
   */
  constructor(federation: FederationSection | undefined, options: { readonly parent: boolean }, env: NodeJS.ProcessEnv = process.env) {
    const slot = (source: SecretSource, mayBeEmpty: boolean, what: string, inForce: (value: string | undefined) => void): SecretSlot => {
      if (!('file' in source)) return { value: readSecret(source, env) };
      const read = readWatchedFile(source.file);
      let value: string | undefined;
      if (read.content.ok) {
        try {
          value = secretFromText(read.content.text, mayBeEmpty);
        } catch (error) {
          throw new Error(`link secret from file ${source.file}: ${(error as Error).message}`);
        }
      } else if (!(mayBeEmpty && (read.content.error as NodeJS.ErrnoException).code === 'ENOENT')) {
        throw new ConfigError(source.file, [`cannot read: ${read.content.error.message}`]);
      }
      const made: SecretSlot = { value };
      const use = (next: string | undefined): Record<string, unknown> => {
        // Whoever uses it takes it first: a refusal there leaves the old one in force everywhere.
        inForce(next);
        made.value = next;
        return { secret: next === undefined ? 'none' : 'set' };
      };
      this.files.push({
        read,
        credential: {
          what, file: source.file,
          apply: (next) => use(secretFromText(next, mayBeEmpty)),
          ...(mayBeEmpty ? { missing: () => use(undefined) } : {}),
        },
      });
      return made;
    };
    const parent = federation?.parent;
    if (parent && options.parent) {
      this.parentSlot = slot(parent.secret, false, `link secret (parent link ${parent.linkId})`, (value) => {
        for (const listener of this.parentListeners) listener(value!);
      });
    }
    for (const child of federation?.children ?? []) {
      const what = `link secret (child link ${child.linkId})`;
      this.childSlots.set(child.linkId, [
        slot(child.secret, false, what, () => undefined),
        ...child.previousSecrets.map((source) => slot(source, true, `previous ${what}`, () => undefined)),
      ]);
    }
  }

  /** The secret this node signs its requests to its parent with. */
  parentSecret(): string | undefined {
    return this.parentSlot?.value;
  }

  /** Hear of each new parent secret a reload put in force. */
  onParentSecret(listener: (secret: string) => void): void {
    this.parentListeners.push(listener);
  }

  /** The secrets a child link's requests may be signed with, current first; undefined for an unknown link. */
  childSecrets(linkId: string): readonly string[] | undefined {
    return this.childSlots.get(linkId)?.flatMap((slot) => (slot.value === undefined ? [] : [slot.value]));
  }

  /** The files to follow (core/credential-reload.ts), each with the read its secret came from. */
  credentialFiles(): readonly { credential: CredentialFile; read: FileRead }[] {
    return this.files;
  }
}
