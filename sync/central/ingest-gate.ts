import { CentralError } from './errors.js';

/**
 * How many records batches a replica takes at once, counted from a batch's arrival to its
 * answer, and what it refused: the ingest protection of `POST /v1/fleet/records`, and what
 * `/metrics` reports of it.
 */
export class IngestGate {
  private current = 0;
  private refusedTotal = 0;
  private admittedTotal = 0;

  constructor(readonly limit: number) {}

  /** Admits a batch (call `leave` once it is answered), or throws the 429 a device backs off on. */
  enter(): void {
    if (this.current >= this.limit) {
      this.refusedTotal++;
      const busy = new CentralError('GH_ERR_INGEST_BUSY', `This central gateway is ingesting ${this.current} batches already: nothing was stored; retry after the Retry-After seconds.`);
      busy.retryAfterS = 1 + Math.min(30, Math.floor(this.current / this.limit));
      throw busy;
    }
    this.current++;
    this.admittedTotal++;
  }

  leave(): void {
    this.current--;
  }

  get inFlight(): number {
    return this.current;
  }

  get refused(): number {
    return this.refusedTotal;
  }

  get admitted(): number {
    return this.admittedTotal;
  }
}
