import { KProxyError } from '@kproxy/api';

/**
 * A command that nft would refuse before reaching the kernel (bad name, family, missing required field),
 * found by the transaction builder. Nothing is sent when a transaction holds one.
 */
export class InvalidCommandError extends KProxyError {
  override readonly name = 'InvalidCommandError';
  /** Index of the offending command in its transaction (the number of commands recorded before it). */
  readonly index: number;
  constructor(message: string, index: number, options?: { cause?: unknown }) {
    super(message, options);
    this.index = index;
  }
}
