/**
 * Errors of the handler: bad input naming the event and the field, and failures of a planned
 * step.
 *
 * @module
 */

/** A bad event or payload: the message names the event ID and the field. */
export class EventError extends Error {
  /** The event's ID (`#<index>` when the event has none). */
  readonly eventId: string;
  /** The field in error, e.g. `Payload.branch`. */
  readonly field: string;

  /** Makes `event <id>: field <field>: <detail>`. */
  constructor(eventId: string, field: string, detail: string) {
    super(`event ${eventId}: field ${field}: ${detail}`);
    this.name = "EventError";
    this.eventId = eventId;
    this.field = field;
  }
}

/** A batch of events that cannot be read at all (not JSON, not an array). */
export class BatchError extends Error {
  /** Makes the error; the message says what is wrong with the batch. */
  constructor(message: string) {
    super(message);
    this.name = "BatchError";
  }
}

/** The cluster state does not allow the requested change (missing member, app not deployed). */
export class PlanError extends Error {
  /** Makes the error. */
  constructor(message: string) {
    super(message);
    this.name = "PlanError";
  }
}

/**
 * An event refused before anything ran (a stored document holding a bad value, a URL another
 * application serves): reported, nothing executed, nothing written to Consul.
 */
export class RefusedError extends PlanError {
  /** Makes the error. */
  constructor(message: string) {
    super(message);
    this.name = "RefusedError";
  }
}
