import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';

/**
 * The client's request body as seen by one attempt. undici destroys the body it was given
 * when an attempt fails; destroying the IncomingMessage itself would kill the client socket
 * and lose both the retry and the 502. So each attempt reads through a relay, and the
 * request stays intact (and unread) when a connection fails before any byte was taken.
 */
export class BodyRelay extends Readable {
  /** Whether any body byte has been handed to the target: then the request cannot be retried. */
  consumed = false;
  private attached = false;

  private readonly source: IncomingMessage;

  constructor(source: IncomingMessage) {
    super();
    this.source = source;
  }

  private readonly onData = (chunk: Buffer): void => {
    this.consumed = true;
    if (!this.push(chunk)) this.source.pause();
  };

  private readonly onEnd = (): void => {
    this.push(null);
  };

  private readonly onError = (error: Error): void => {
    this.destroy(error);
  };

  override _read(): void {
    // An empty body may already have ended during an earlier attempt without a data byte.
    if (this.source.readableEnded) {
      this.push(null);
      return;
    }
    if (!this.attached) {
      this.attached = true;
      this.source.on('data', this.onData);
      this.source.once('end', this.onEnd);
      this.source.once('error', this.onError);
      this.source.once('aborted', this.onAborted);
    }
    this.source.resume();
  }

  private readonly onAborted = (): void => {
    this.destroy(new Error('client aborted the request body'));
  };

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.detach();
    callback(error);
  }

  private detach(): void {
    if (!this.attached) return;
    this.attached = false;
    this.source.off('data', this.onData);
    this.source.off('end', this.onEnd);
    this.source.off('error', this.onError);
    this.source.off('aborted', this.onAborted);
    this.source.pause();
  }
}
