/**
 * A refused step of the revocation lifecycle, for the page or command to show: `field` names the
 * input at fault (the form field to mark) or the thing acted on, and `notFound` says the thing
 * does not exist for this actor (a 404, not a message).
 */
export class LifecycleRefusal<Field extends string> extends Error {
  constructor(
    readonly field: Field,
    message: string,
    readonly notFound = false,
  ) {
    super(message);
  }
}
